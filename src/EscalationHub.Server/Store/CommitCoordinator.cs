using System.Data;
using System.Data.Common;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Threading.Channels;
using EscalationHub.Ledger;
using EscalationHub.Server.Clock;
using EscalationHub.Server.Ledger;
using EscalationHub.Server.Messaging;
using Microsoft.EntityFrameworkCore;

namespace EscalationHub.Server.Store;

/// <summary>
/// Group commit: the hub's single writer, on SQLite or PostgreSQL (what differs is behind <see cref="WriterStore"/>).
/// Commands queue their work (<see cref="HubUnitOfWork"/>); this loop takes everything queued, runs each piece in
/// turn on one connection inside one transaction (each under its own savepoint, so a failing command rolls back
/// alone), appends all the ledger entries they staged to the Merkle log in one batch (one frontier read, the completed
/// subtree hashes written once), signs a tree head covering them, and commits: one fsync for the whole batch. While a
/// batch commits, the next one queues up, so the batch grows with the load and a lone command is never delayed. Being
/// the only writer (on PostgreSQL: holding the writer lock) also makes the Merkle append race-free.
/// </summary>
public sealed class CommitCoordinator(
    WriterStore store, HubSigningKey signingKey, [FromKeyedServices(TrustedTime.Key)] TimeProvider trustedClock, OutboxSignal outbox, LedgerCommits commits,
    ILogger<CommitCoordinator> logger) : BackgroundService, IGroupCommit
{
    public const int MaxBatch = 2000;

    private static readonly Meter Meter = new("EscalationHub.Ledger");
    private static readonly Histogram<int> BatchSize = Meter.CreateHistogram<int>("escalationhub.commit.batch_size", "{commands}");
    private static readonly Histogram<double> CommitLatency = Meter.CreateHistogram<double>("escalationhub.commit.latency", "ms",
        "from a command being queued to the commit (and signed tree head) covering it");
    internal static readonly Histogram<double> WriterLockWait = Meter.CreateHistogram<double>("escalationhub.commit.writer_lock_wait", "ms",
        "time a batch waited for the other replicas' writers (PostgreSQL)");

    private readonly Channel<WorkItem> queue = Channel.CreateUnbounded<WorkItem>(new UnboundedChannelOptions { SingleReader = true });
    // Tree heads carry the real time, never a moved deadline clock (no back-dated heads).
    private readonly TreeHeadSigner signer = new(signingKey.Key, trustedClock);
    private WriterConnection? writer;

    public Task<T> ExecuteAsync<T>(HubUnitOfWork unit, UnitOfWorkScope scope, LedgerWriter ledger,
        Func<CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        var item = new WorkItem<T>(unit, scope, ledger, work, cancellationToken);
        if (!queue.Writer.TryWrite(item)) throw new InvalidOperationException("the hub is shutting down");
        return item.Task;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<WorkItem>();
        try
        {
            while (await queue.Reader.WaitToReadAsync(stoppingToken))
            {
                while (batch.Count < MaxBatch && queue.Reader.TryRead(out var item)) batch.Add(item);
                await RunBatchAsync(batch, stoppingToken);
                batch.Clear();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            queue.Writer.TryComplete();
            while (queue.Reader.TryRead(out var left)) left.Fail(new OperationCanceledException("the hub is shutting down"));
            foreach (var item in batch) item.Fail(new OperationCanceledException("the hub is shutting down"));
            await ResetConnectionAsync();
        }
    }

    private async Task RunBatchAsync(List<WorkItem> batch, CancellationToken stoppingToken)
    {
        var done = new List<WorkItem>(batch.Count);
        var entries = new List<StagedLedgerEntry>();
        try
        {
            var conn = writer ??= new WriterConnection(await store.OpenAsync(stoppingToken));
            await using var transaction = await store.BeginBatchAsync(conn.Connection, stoppingToken);
            conn.Use(transaction);
            foreach (var item in batch)
            {
                if (item.CancellationToken.IsCancellationRequested)
                {
                    item.Fail(new OperationCanceledException(item.CancellationToken));
                    continue;
                }
                try
                {
                    await item.RunAsync(conn, store.ConnectionString);
                    conn.Release();
                    item.Staged = item.Ledger.TakeStaged();
                    entries.AddRange(item.Staged);
                    done.Add(item);
                }
                catch (Exception ex)
                {
                    conn.RollBack();
                    item.Ledger.Discard();
                    item.Fail(ex);
                }
            }

            if (entries.Count > 0) await AppendAsync(conn, entries);
            await transaction.CommitAsync(CancellationToken.None);
        }
        catch (Exception ex)
        {
            if (ex is OperationCanceledException && stoppingToken.IsCancellationRequested) throw;
            logger.LogError(ex, "a group commit of {Count} commands failed; none of them took effect", batch.Count);
            // Every command of the batch fails (one that already failed alone keeps its own exception).
            foreach (var item in batch) item.Fail(ex);
            foreach (var entry in entries) entry.Sequence = null;
            await ResetConnectionAsync();
            return;
        }

        BatchSize.Record(done.Count);
        if (entries.Count > 0) commits.Committed.Notify();
        outbox.Committed.Notify();
        var now = Stopwatch.GetTimestamp();
        foreach (var item in done)
        {
            CommitLatency.Record(Stopwatch.GetElapsedTime(item.QueuedAt, now).TotalMilliseconds);
            item.Complete();
        }
    }

    private async Task AppendAsync(WriterConnection conn, List<StagedLedgerEntry> entries)
    {
        using var nodes = new LedgerNodeStore(conn.Connection, conn.Transaction);
        var appended = await new MerkleLog(nodes).AppendAsync(entries.Select(e => e.Entry.LeafHash).ToList());
        await store.InsertEntriesAsync(conn, entries, appended.PreviousSize);
        for (var i = 0; i < entries.Count; i++) entries[i].Sequence = appended.PreviousSize + i;

        var head = signer.Sign(appended.Size, appended.RootHash);
        var insert = conn.Statement(
            $"INSERT INTO \"{LedgerSchema.TreeHeads}\" (\"TreeSize\", \"RootHash\", \"TimestampTicks\", \"Signature\") VALUES (@size, @root, @ticks, @sig)",
            command =>
            {
                Parameter(command, "@size", DbType.Int64);
                Parameter(command, "@root", DbType.Binary);
                Parameter(command, "@ticks", DbType.Int64);
                Parameter(command, "@sig", DbType.Binary);
            });
        insert.Parameters[0].Value = head.TreeSize;
        insert.Parameters[1].Value = head.RootHash.ToArray();
        insert.Parameters[2].Value = head.Timestamp.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        insert.Parameters[3].Value = head.Signature.ToArray();
        await insert.ExecuteNonQueryAsync();
    }

    private static void Parameter(DbCommand command, string name, DbType type)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.DbType = type;
        command.Parameters.Add(parameter);
    }

    private async Task ResetConnectionAsync()
    {
        if (writer is null) return;
        try { await writer.DisposeAsync(); } catch (DbException) { }
        writer = null;
    }

    internal abstract class WorkItem(HubUnitOfWork unit, UnitOfWorkScope scope, LedgerWriter ledger, CancellationToken cancellationToken)
    {
        public long QueuedAt { get; } = Stopwatch.GetTimestamp();

        /// <summary>The caller's activity: the work runs under it, so what it stages (e.g. an outbox message's trace
        /// parent) belongs to the caller's trace, not to the writer loop's.</summary>
        private readonly Activity? callerActivity = Activity.Current;
        public CancellationToken CancellationToken { get; } = cancellationToken;
        public LedgerWriter Ledger { get; } = ledger;
        public List<StagedLedgerEntry> Staged { get; set; } = [];

        /// <summary>Runs the work; the scope's DbContext, if the work has or makes one, is bound for the duration to
        /// the batch's connection and transaction under a savepoint.</summary>
        public async Task RunAsync(WriterConnection writer, string ownConnectionString)
        {
            HubDbContext? bound = null;
            var writerActivity = Activity.Current;
            Activity.Current = callerActivity;
            unit.Active = true;
            Ledger.InUnitOfWork = true;
            try
            {
                using (scope.BindWhileRunning(db =>
                {
                    writer.Save();
                    // Refused (and the command failed) if the caller left its context's own connection open.
                    db.Database.SetDbConnection(writer.Connection, contextOwnsConnection: false);
                    bound = db;
                    db.Database.AutoSavepointsEnabled = false; // the batch's savepoint already isolates this command
                    db.Database.UseTransaction(writer.Transaction);
                    db.Writer = writer;
                }))
                {
                    await RunWorkAsync(CancellationToken);
                }
            }
            finally
            {
                Activity.Current = writerActivity;
                unit.Active = false;
                Ledger.InUnitOfWork = false;
                if (bound is not null)
                {
                    bound.Writer = null;
                    bound.Database.UseTransaction(null);
                    bound.Database.SetDbConnection(null, contextOwnsConnection: false);
                    bound.Database.SetConnectionString(ownConnectionString);
                    bound.Database.AutoSavepointsEnabled = true;
                }
            }
        }

        protected abstract Task RunWorkAsync(CancellationToken cancellationToken);

        public abstract void Complete();

        public abstract void Fail(Exception exception);
    }

    private sealed class WorkItem<T>(HubUnitOfWork unit, UnitOfWorkScope scope, LedgerWriter ledger,
        Func<CancellationToken, Task<T>> work, CancellationToken cancellationToken)
        : WorkItem(unit, scope, ledger, cancellationToken)
    {
        private readonly TaskCompletionSource<T> completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private T? result;

        public Task<T> Task => completion.Task;

        protected override async Task RunWorkAsync(CancellationToken cancellationToken) => result = await work(cancellationToken);

        public override void Complete() => completion.TrySetResult(result!);

        public override void Fail(Exception exception)
        {
            if (exception is OperationCanceledException oce) completion.TrySetCanceled(oce.CancellationToken);
            else completion.TrySetException(exception);
        }
    }
}

/// <summary>Signalled after a group commit that appended ledger entries (and stored a signed tree head for them).</summary>
public sealed class LedgerCommits
{
    public Signal Committed { get; } = new();
}
