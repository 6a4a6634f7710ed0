using EscalationHub.Server.Store;

namespace EscalationHub.Server.Ledger;

/// <summary>Settings (section Audit) of the read audit.</summary>
public sealed class ReadAuditSettings
{
    public const string Section = "Audit";

    /// <summary>Reads of one child file by one agency in one role, for one purpose, through one call, are written as one
    /// audit entry per window (default 5 minutes), which carries how many reads it covers and the first and last.</summary>
    public TimeSpan CoalesceWindow { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How many distinct reader roles of one agency on one file get entries of their own in a window (default
    /// 10); reads in further roles are counted under the role <see cref="ReadAuditWindows.OtherRoles"/>. The role is
    /// free text from the caller: without this a caller could vary it to grow the file without bound.</summary>
    public int RolesPerWindow { get; set; } = 10;
}

/// <summary>One kind of read: who (agency, role), why (purpose) and how (call), of which file.</summary>
public readonly record struct ReadKey(string ChildFileId, string AgencyCode, string Role, string Purpose, string Call);

/// <summary>Reads to be written in one audit entry: how many, the first and last, and the cases they named.</summary>
public sealed record ReadTally(ReadKey Key, int Reads, DateTimeOffset FirstReadAt, DateTimeOffset LastReadAt, IReadOnlyList<string> Cases);

/// <summary>
/// Coalesces the read audit so that no party can grow a child file without bound, yet every read is counted. Per
/// <see cref="ReadKey"/>: a read when the key has had no entry for a whole window is written at once (the read is
/// answered only after that entry commits), together with the reads counted since the last entry; a read within the
/// window of an entry is counted in memory and answered once that entry has committed. Counted reads are written when
/// their window closes (<see cref="ReadAuditFlusher"/>, within a second or so) or when the hub stops. So a file gets at
/// most about one entry per key per window however often it is read, and the counts of its entries add up to the
/// reads. What a crash can lose: never the fact that a key (this agency, role, purpose and call on this file) read in
/// a window, only the count and last time of its repeated reads since its last entry (at most one window's worth).
/// </summary>
public sealed class ReadAuditWindows(ReadAuditSettings settings)
{
    public const string OtherRoles = "other roles";

    private readonly object gate = new();
    private readonly Dictionary<ReadKey, State> keys = new();
    private readonly Dictionary<(string File, string Agency), HashSet<string>> roles = new();

    public TimeSpan Window { get; } = settings.CoalesceWindow > TimeSpan.Zero ? settings.CoalesceWindow : TimeSpan.FromMinutes(5);

    private sealed class State
    {
        public DateTimeOffset? LastEntryAt;
        public DateTimeOffset? PreviousEntryAt;
        public Task? Committing;
        public int Pending;
        public DateTimeOffset PendingFirst, PendingLast;
        public readonly SortedSet<string> PendingCases = new(StringComparer.Ordinal);

        public void Count(int reads, DateTimeOffset first, DateTimeOffset last, IEnumerable<string> cases)
        {
            if (reads <= 0) return;
            if (Pending == 0 || first < PendingFirst) PendingFirst = first;
            if (Pending == 0 || last > PendingLast) PendingLast = last;
            Pending += reads;
            PendingCases.UnionWith(cases);
        }
    }

    /// <summary>What to do with one read: write <see cref="Tally"/> now (then call <see cref="Completed"/>), or wait
    /// for <see cref="Covering"/> (an entry of the key being committed), or nothing more (an entry is committed).</summary>
    public sealed class Admission
    {
        internal ReadKey Key { get; init; }
        public ReadTally? Tally { get; init; }
        internal ReadTally? TakenPending { get; init; }
        internal TaskCompletionSource? Commit { get; init; }
        public Task? Covering { get; init; }
    }

    public Admission Admit(ReadKey key, IReadOnlyList<string> cases, DateTimeOffset now)
    {
        lock (gate)
        {
            key = Capped(key);
            if (!keys.TryGetValue(key, out var state)) keys[key] = state = new State();
            if (state.Committing is { IsCompleted: false } committing)
            {
                state.Count(1, now, now, cases);
                return new Admission { Key = key, Covering = committing };
            }
            if (state.LastEntryAt is { } last && now < last + Window)
            {
                state.Count(1, now, now, cases);
                return new Admission { Key = key };
            }
            var taken = Take(key, state);
            var tally = taken is null ? new ReadTally(key, 1, now, now, cases)
                : new ReadTally(key, taken.Reads + 1, taken.FirstReadAt, now, taken.Cases.Union(cases, StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList());
            return Begin(key, state, tally, taken, now);
        }
    }

    /// <summary>Reports how writing an admission's (or a flush's) tally ended; on failure its reads are counted again
    /// and the key's next read writes at once.</summary>
    public void Completed(Admission admission, Exception? failure)
    {
        if (admission.Commit is null) return;
        lock (gate)
        {
            if (failure is not null && keys.TryGetValue(admission.Key, out var state))
            {
                state.LastEntryAt = state.PreviousEntryAt;
                if (admission.TakenPending is { } taken) state.Count(taken.Reads, taken.FirstReadAt, taken.LastReadAt, taken.Cases);
            }
        }
        if (failure is null) admission.Commit.TrySetResult();
        else admission.Commit.TrySetException(failure);
    }

    /// <summary>Waits until the entry covering an admitted read has committed; if it failed, the read is not
    /// counted and the failure is rethrown (the read is not answered).</summary>
    public async Task CoveredAsync(Admission admission)
    {
        if (admission.Covering is null) return;
        try
        {
            await admission.Covering;
        }
        catch
        {
            lock (gate)
                if (keys.TryGetValue(admission.Key, out var state) && state.Pending > 0) state.Pending--;
            throw;
        }
    }

    /// <summary>The counted reads to write now: those whose window has closed (or all, when <paramref name="all"/>, at
    /// stop). Keys quiet for a whole window are forgotten.</summary>
    public IReadOnlyList<Admission> Due(DateTimeOffset now, bool all)
    {
        var due = new List<Admission>();
        lock (gate)
        {
            foreach (var (key, state) in keys.ToList())
            {
                if (state.Committing is { IsCompleted: false }) continue;
                var closed = state.LastEntryAt is not { } last || now >= last + Window;
                if (state.Pending > 0 && (closed || all))
                {
                    var taken = Take(key, state)!;
                    due.Add(Begin(key, state, taken, taken, now));
                }
                else if (state.Pending == 0 && closed)
                {
                    keys.Remove(key);
                    if (!keys.Keys.Any(k => k.ChildFileId == key.ChildFileId && k.AgencyCode == key.AgencyCode && k.Role == key.Role)
                        && roles.TryGetValue((key.ChildFileId, key.AgencyCode), out var seen))
                    {
                        seen.Remove(key.Role);
                        if (seen.Count == 0) roles.Remove((key.ChildFileId, key.AgencyCode));
                    }
                }
            }
        }
        return due;
    }

    private Admission Begin(ReadKey key, State state, ReadTally tally, ReadTally? taken, DateTimeOffset now)
    {
        var commit = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        state.PreviousEntryAt = state.LastEntryAt;
        state.LastEntryAt = now;
        state.Committing = commit.Task;
        return new Admission { Key = key, Tally = tally, TakenPending = taken, Commit = commit };
    }

    private static ReadTally? Take(ReadKey key, State state)
    {
        if (state.Pending == 0) return null;
        var taken = new ReadTally(key, state.Pending, state.PendingFirst, state.PendingLast, state.PendingCases.ToList());
        state.Pending = 0;
        state.PendingCases.Clear();
        return taken;
    }

    /// <summary>The key with its role, or <see cref="OtherRoles"/> once the agency has used its roles on the file.</summary>
    private ReadKey Capped(ReadKey key)
    {
        if (!roles.TryGetValue((key.ChildFileId, key.AgencyCode), out var seen))
            roles[(key.ChildFileId, key.AgencyCode)] = seen = new HashSet<string>(StringComparer.Ordinal);
        if (seen.Contains(key.Role)) return key;
        if (seen.Count < Math.Max(1, settings.RolesPerWindow))
        {
            seen.Add(key.Role);
            return key;
        }
        seen.Add(OtherRoles);
        return key with { Role = OtherRoles };
    }
}

/// <summary>Writes the counted reads whose window has closed, and all of them when the hub stops (before the group
/// commit stops: hosted services stop in reverse order, and the store's are registered first).</summary>
public sealed class ReadAuditFlusher(ReadAuditWindows windows, IServiceScopeFactory scopes, TimeProvider clock, ILogger<ReadAuditFlusher> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var tick = TimeSpan.FromTicks(Math.Clamp(windows.Window.Ticks / 10, TimeSpan.FromMilliseconds(100).Ticks, TimeSpan.FromSeconds(1).Ticks));
        using var timer = new PeriodicTimer(tick);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await FlushAsync(all: false, stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    logger.LogError(ex, "Could not write the counted reads to the audit; retrying");
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            await FlushAsync(all: true, CancellationToken.None);
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Could not write the counted reads to the audit at stop");
        }
    }

    private async Task FlushAsync(bool all, CancellationToken cancellationToken)
    {
        var due = windows.Due(clock.GetUtcNow(), all);
        if (due.Count == 0) return;
        await using var scope = scopes.CreateAsyncScope();
        var unitOfWork = scope.ServiceProvider.GetRequiredService<HubUnitOfWork>();
        var ledger = scope.ServiceProvider.GetRequiredService<LedgerWriter>();
        try
        {
            await unitOfWork.ExecuteAsync(_ =>
            {
                foreach (var admission in due) ChildFileReadAudit.Stage(ledger, admission.Tally!, clock.GetUtcNow());
                return Task.CompletedTask;
            }, cancellationToken);
        }
        catch (Exception ex)
        {
            foreach (var admission in due) windows.Completed(admission, ex);
            throw;
        }
        foreach (var admission in due) windows.Completed(admission, null);
    }
}
