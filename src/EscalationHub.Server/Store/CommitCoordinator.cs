using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Threading.Channels;
using EscalationHub.Ledger;
using EscalationHub.Server.Clock;
using EscalationHub.Server.Ledger;
using EscalationHub.Server.Messaging;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace EscalationHub.Server.Store;

/// <summary>
/// Group commit: the hub's single writer. Commands queue their work (<see cref="HubUnitOfWork"/>); this loop takes
/// everything queued, runs each piece in turn on one connection inside one transaction (each under its own savepoint,
/// so a failing command rolls back alone), appends all the ledger entries they staged to the Merkle log in one batch
/// (one frontier read, the completed subtree hashes written once), signs a tree head covering them, and commits:
/// one fsync for the whole batch. While a batch commits, the next one queues up, so the batch grows with the load
/// and a lone command is never delayed. Being the only writer also makes the Merkle append race-free.
/// </summary>
public sealed class CommitCoordinator(
    StoreLocation store, HubSigningKey signingKey, [FromKeyedServices(TrustedTime.Key)] TimeProvider trustedClock, OutboxSignal outbox, LedgerCommits commits,
    ILogger<CommitCoordinator> logger) : BackgroundService, IGroupCommit
{
    public const int MaxBatch = 2000;

    private static readonly Meter Meter = new("EscalationHub.Ledger");
    private static readonly Histogram<int> BatchSize = Meter.CreateHistogram<int>("escalationhub.commit.batch_size", "{commands}");
    private static readonly Histogram<double> CommitLatency = Meter.CreateHistogram<double>("escalationhub.commit.latency", "ms",
        "from a command being queued to the commit (and signed tree head) covering it");

    private readonly Channel<WorkItem> queue = Channel.CreateUnbounded<WorkItem>(new UnboundedChannelOptions { SingleReader = true });
    // Tree heads carry the real time, never a moved deadline clock (no back-dated heads).
    private readonly TreeHeadSigner signer = new(signingKey.Key, trustedClock);
    private readonly string connectionString = StoreRegistration.ConnectionString(store.Path);
    private SqliteConnection? connection;
    private Savepoints savepoints = null!;

    internal Task<T> ExecuteAsync<T>(HubUnitOfWork unit, UnitOfWorkScope scope, LedgerWriter ledger,
        Func<CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        var item = new WorkItem<T>(unit, scope, ledger, work, cancellationToken);
        if (!queue.Writer.TryWrite(item)) throw new InvalidOperationException("the hub is shutting down");
        return item.Task;
    }

    Task<T> IGroupCommit.ExecuteAsync<T>(HubUnitOfWork unit, UnitOfWorkScope scope, LedgerWriter ledger,
        Func<CancellationToken, Task<T>> work, CancellationToken cancellationToken) => ExecuteAsync(unit, scope, ledger, work, cancellationToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<WorkItem>();
        try
        {
            while (await queue.Reader.WaitToReadAsync(stoppingToken))
            {
                while (batch.Count < MaxBatch && queue.Reader.TryRead(out var item)) batch.Add(item);
                await RunBatchAsync(batch);
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
            if (connection is not null) await connection.DisposeAsync();
        }
    }

    private async Task RunBatchAsync(List<WorkItem> batch)
    {
        var done = new List<WorkItem>(batch.Count);
        var entries = new List<StagedLedgerEntry>();
        try
        {
            var conn = await OpenAsync();
            await using var transaction = (SqliteTransaction)await conn.BeginTransactionAsync(); // BEGIN IMMEDIATE
            foreach (var item in batch)
            {
                if (item.CancellationToken.IsCancellationRequested)
                {
                    item.Fail(new OperationCanceledException(item.CancellationToken));
                    continue;
                }
                savepoints.Use(transaction);
                try
                {
                    await item.RunAsync(conn, transaction, connectionString, savepoints);
                    savepoints.Release();
                    item.Staged = item.Ledger.TakeStaged();
                    entries.AddRange(item.Staged);
                    done.Add(item);
                }
                catch (Exception ex)
                {
                    savepoints.RollBack();
                    item.Ledger.Discard();
                    item.Fail(ex);
                }
            }

            if (entries.Count > 0) await AppendAsync(conn, transaction, entries);
            await transaction.CommitAsync();
        }
        catch (Exception ex)
        {
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

    private async Task AppendAsync(SqliteConnection conn, SqliteTransaction transaction, List<StagedLedgerEntry> entries)
    {
        using var nodes = new SqliteMerkleNodeStore(conn, transaction);
        var appended = await new MerkleLog(nodes).AppendAsync(entries.Select(e => e.Entry.LeafHash).ToList());

        await using var insert = conn.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = $"""
            INSERT INTO "{LedgerSchema.Entries}" (Sequence, ChildFileId, CaseId, EntryType, AuthorAgency, RecordedAt, EntryBytes)
            VALUES ($seq, $file, $case, $type, $agency, $at, $bytes)
            """;
        var p = new[] { "$seq", "$file", "$case", "$type", "$agency", "$at", "$bytes" }.Select(n => insert.Parameters.Add(n, SqliteType.Text)).ToArray();
        insert.Prepare();
        var sequence = appended.PreviousSize;
        foreach (var staged in entries)
        {
            var e = staged.Entry;
            p[0].Value = sequence;
            p[1].Value = e.ChildFileId;
            p[2].Value = (object?)e.CaseId ?? DBNull.Value;
            p[3].Value = e.EntryType;
            p[4].Value = e.AuthorAgencyCode;
            p[5].Value = e.RecordedAt.UtcTicks;
            p[6].Value = e.ToCanonicalBytes();
            insert.ExecuteNonQuery(); // Microsoft.Data.Sqlite is synchronous underneath: the async form only adds overhead
            staged.Sequence = sequence++;
        }

        var head = signer.Sign(appended.Size, appended.RootHash);
        await using var headInsert = conn.CreateCommand();
        headInsert.Transaction = transaction;
        headInsert.CommandText = $"INSERT INTO \"{LedgerSchema.TreeHeads}\" (TreeSize, RootHash, TimestampTicks, Signature) VALUES ($size, $root, $ticks, $sig)";
        headInsert.Parameters.AddWithValue("$size", head.TreeSize);
        headInsert.Parameters.AddWithValue("$root", head.RootHash.ToArray());
        headInsert.Parameters.AddWithValue("$ticks", head.Timestamp.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks);
        headInsert.Parameters.AddWithValue("$sig", head.Signature.ToArray());
        await headInsert.ExecuteNonQueryAsync();
    }

    private async Task<SqliteConnection> OpenAsync()
    {
        if (connection is not null) return connection;
        var conn = new SqliteConnection(StoreRegistration.ConnectionString(store.Path));
        await conn.OpenAsync();
        await using (var pragmas = conn.CreateCommand())
        {
            pragmas.CommandText = StoreRegistration.Pragmas;
            await pragmas.ExecuteNonQueryAsync();
        }
        savepoints = new Savepoints(conn);
        return connection = conn;
    }

    // A savepoint per command that touches the store (taken when its context is bound), with statements prepared
    // once per connection (cheaper than DbTransaction.Save). A command that only stages ledger entries needs none:
    // its entries are discarded in memory if it fails.
    internal sealed class Savepoints(SqliteConnection connection)
    {
        private readonly SqliteCommand save = Prepare(connection, "SAVEPOINT command");
        private readonly SqliteCommand release = Prepare(connection, "RELEASE command");
        private readonly SqliteCommand rollBack = Prepare(connection, "ROLLBACK TO command; RELEASE command");
        private bool open;

        public void Use(SqliteTransaction transaction)
        {
            save.Transaction = release.Transaction = rollBack.Transaction = transaction;
            open = false;
        }

        public void Save()
        {
            if (open) return;
            save.ExecuteNonQuery();
            open = true;
        }

        public void Release()
        {
            if (open) release.ExecuteNonQuery();
            open = false;
        }

        public void RollBack()
        {
            if (open) rollBack.ExecuteNonQuery();
            open = false;
        }

        private static SqliteCommand Prepare(SqliteConnection connection, string sql)
        {
            var command = connection.CreateCommand();
            command.CommandText = sql;
            return command;
        }
    }

    private async Task ResetConnectionAsync()
    {
        if (connection is null) return;
        try { await connection.DisposeAsync(); } catch (SqliteException) { }
        connection = null;
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
        public async Task RunAsync(SqliteConnection conn, SqliteTransaction transaction, string ownConnectionString, Savepoints savepoints)
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
                    savepoints.Save();
                    // Refused (and the command failed) if the caller left its context's own connection open.
                    db.Database.SetDbConnection(conn, contextOwnsConnection: false);
                    bound = db;
                    db.Database.AutoSavepointsEnabled = false; // the batch's savepoint already isolates this command
                    db.Database.UseTransaction(transaction);
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
