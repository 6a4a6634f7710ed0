using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using EscalationHub.Ledger;
using EscalationHub.Server.Clock;
using EscalationHub.Server.Ledger;
using EscalationHub.Server.Messaging;
using Npgsql;
using NpgsqlTypes;

namespace EscalationHub.Server.Store.Postgres;

/// <summary>
/// Group commit on PostgreSQL: the same contract as <see cref="CommitCoordinator"/> (queued commands run in one
/// transaction on one connection, each under its own savepoint; their staged ledger entries are appended to the
/// Merkle log in one batch and covered by one signed tree head). Several hub replicas may share the database: each
/// batch first takes the advisory lock <see cref="PostgresLocks.Writer"/> for its transaction, so the replicas'
/// writers take turns. A command therefore sees every earlier commit of every replica (a retried RaiseConcern finds
/// the first, a deadline is fired once), and the ledger's frontier read, node writes and sequence numbers belong to
/// one writer at a time: each entry is appended once, in order. A replica killed mid-batch loses its connection;
/// PostgreSQL rolls its transaction back and frees the lock for the others.
/// </summary>
public sealed class PostgresCommitCoordinator(
    PostgresConnection store, HubSigningKey signingKey, [FromKeyedServices(TrustedTime.Key)] TimeProvider trustedClock, OutboxSignal outbox, LedgerCommits commits,
    ILogger<PostgresCommitCoordinator> logger) : BackgroundService, IGroupCommit
{
    private static readonly Meter Meter = new("EscalationHub.Ledger.Postgres");
    private static readonly Histogram<int> BatchSize = Meter.CreateHistogram<int>("escalationhub.commit.batch_size", "{commands}");
    private static readonly Histogram<double> WriterWait = Meter.CreateHistogram<double>("escalationhub.commit.writer_lock_wait", "ms",
        "time a batch waited for the other replicas' writers");

    private readonly Channel<WorkItem> queue = Channel.CreateUnbounded<WorkItem>(new UnboundedChannelOptions { SingleReader = true });
    // Tree heads carry the real time, never a moved deadline clock (no back-dated heads).
    private readonly TreeHeadSigner signer = new(signingKey.Key, trustedClock);
    private NpgsqlConnection? connection;

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
                while (batch.Count < CommitCoordinator.MaxBatch && queue.Reader.TryRead(out var item)) batch.Add(item);
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
            await using var transaction = await conn.BeginTransactionAsync();
            var waitStarted = Stopwatch.GetTimestamp();
            await using (var lockWriter = new NpgsqlCommand($"SELECT pg_advisory_xact_lock({PostgresLocks.Writer})", conn, transaction))
                await lockWriter.ExecuteNonQueryAsync();
            WriterWait.Record(Stopwatch.GetElapsedTime(waitStarted).TotalMilliseconds);

            foreach (var item in batch)
            {
                if (item.CancellationToken.IsCancellationRequested)
                {
                    item.Fail(new OperationCanceledException(item.CancellationToken));
                    continue;
                }
                var savepoint = new Savepoint(transaction);
                try
                {
                    await item.RunAsync(conn, transaction, store.ConnectionString, savepoint);
                    await savepoint.ReleaseAsync();
                    item.Staged = item.Ledger.TakeStaged();
                    entries.AddRange(item.Staged);
                    done.Add(item);
                }
                catch (Exception ex)
                {
                    await savepoint.RollBackAsync();
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
            foreach (var item in batch) item.Fail(ex);
            foreach (var entry in entries) entry.Sequence = null;
            await ResetConnectionAsync();
            return;
        }

        BatchSize.Record(done.Count);
        if (entries.Count > 0) commits.Committed.Notify();
        outbox.Committed.Notify();
        foreach (var item in done) item.Complete();
    }

    private async Task AppendAsync(NpgsqlConnection conn, NpgsqlTransaction transaction, List<StagedLedgerEntry> entries)
    {
        using var nodes = new NpgsqlMerkleNodeStore(conn, transaction);
        var appended = await new MerkleLog(nodes).AppendAsync(entries.Select(e => e.Entry.LeafHash).ToList());

        var sequences = Enumerable.Range(0, entries.Count).Select(i => appended.PreviousSize + i).ToArray();
        await using (var insert = new NpgsqlCommand($"""
            INSERT INTO "{LedgerSchema.Entries}" ("Sequence", "ChildFileId", "CaseId", "EntryType", "AuthorAgency", "RecordedAt", "EntryBytes")
            SELECT * FROM unnest(@seq, @file, @case, @type, @agency, @at, @bytes)
            """, conn, transaction))
        {
            insert.Parameters.Add(Array("seq", NpgsqlDbType.Bigint, sequences));
            insert.Parameters.Add(Array("file", NpgsqlDbType.Text, entries.Select(s => s.Entry.ChildFileId).ToArray()));
            insert.Parameters.Add(Array("case", NpgsqlDbType.Text, entries.Select(s => s.Entry.CaseId).ToArray()));
            insert.Parameters.Add(Array("type", NpgsqlDbType.Text, entries.Select(s => s.Entry.EntryType).ToArray()));
            insert.Parameters.Add(Array("agency", NpgsqlDbType.Text, entries.Select(s => s.Entry.AuthorAgencyCode).ToArray()));
            insert.Parameters.Add(Array("at", NpgsqlDbType.Bigint, entries.Select(s => s.Entry.RecordedAt.UtcTicks).ToArray()));
            insert.Parameters.Add(Array("bytes", NpgsqlDbType.Bytea, entries.Select(s => s.Entry.ToCanonicalBytes()).ToArray()));
            await insert.ExecuteNonQueryAsync();
        }
        for (var i = 0; i < entries.Count; i++) entries[i].Sequence = sequences[i];

        var head = signer.Sign(appended.Size, appended.RootHash);
        await using var headInsert = new NpgsqlCommand(
            $"INSERT INTO \"{LedgerSchema.TreeHeads}\" (\"TreeSize\", \"RootHash\", \"TimestampTicks\", \"Signature\") VALUES (@size, @root, @ticks, @sig)",
            conn, transaction);
        headInsert.Parameters.AddWithValue("size", head.TreeSize);
        headInsert.Parameters.AddWithValue("root", head.RootHash.ToArray());
        headInsert.Parameters.AddWithValue("ticks", head.Timestamp.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks);
        headInsert.Parameters.AddWithValue("sig", head.Signature.ToArray());
        await headInsert.ExecuteNonQueryAsync();
    }

    private static NpgsqlParameter Array<T>(string name, NpgsqlDbType type, T[] values) =>
        new NpgsqlParameter<T[]>(name, NpgsqlDbType.Array | type) { TypedValue = values };

    private async Task<NpgsqlConnection> OpenAsync()
    {
        if (connection is not null) return connection;
        var conn = new NpgsqlConnection(store.ConnectionString);
        await conn.OpenAsync();
        return connection = conn;
    }

    private async Task ResetConnectionAsync()
    {
        if (connection is null) return;
        try { await connection.DisposeAsync(); } catch (NpgsqlException) { }
        connection = null;
    }

    /// <summary>A savepoint for one command, taken only when the command first touches the store.</summary>
    internal sealed class Savepoint(NpgsqlTransaction transaction)
    {
        private bool open;

        public void Save()
        {
            if (open) return;
            transaction.Save("command");
            open = true;
        }

        public async Task ReleaseAsync()
        {
            if (open) await transaction.ReleaseAsync("command");
            open = false;
        }

        public async Task RollBackAsync()
        {
            if (open) await transaction.RollbackAsync("command");
            open = false;
        }
    }

    internal abstract class WorkItem(HubUnitOfWork unit, UnitOfWorkScope scope, LedgerWriter ledger, CancellationToken cancellationToken)
    {
        private readonly Activity? callerActivity = Activity.Current;
        public CancellationToken CancellationToken { get; } = cancellationToken;
        public LedgerWriter Ledger { get; } = ledger;
        public List<StagedLedgerEntry> Staged { get; set; } = [];

        public async Task RunAsync(NpgsqlConnection conn, NpgsqlTransaction transaction, string ownConnectionString, Savepoint savepoint)
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
                    // Binding happens synchronously when the context is created: the savepoint is taken right here.
                    savepoint.Save();
                    db.Database.SetDbConnection(conn, contextOwnsConnection: false);
                    bound = db;
                    db.Database.AutoSavepointsEnabled = false;
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
