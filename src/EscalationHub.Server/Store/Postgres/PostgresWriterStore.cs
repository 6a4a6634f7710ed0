using System.Data.Common;
using System.Diagnostics;
using EscalationHub.Server.Ledger;
using Npgsql;
using NpgsqlTypes;

namespace EscalationHub.Server.Store.Postgres;

/// <summary>
/// The group commit on PostgreSQL. Several hub replicas may share the database: each batch first takes the advisory
/// lock <see cref="PostgresLocks.Writer"/> for its transaction, so the replicas' writers take turns. A command
/// therefore sees every earlier commit of every replica (a retried RaiseConcern finds the first, a deadline is fired
/// once), and the ledger's frontier read, node writes and sequence numbers belong to one writer at a time: each entry
/// is appended once, in order. A replica killed mid-batch loses its connection; PostgreSQL rolls its transaction back
/// and frees the lock for the others.
/// </summary>
public sealed class PostgresWriterStore(PostgresConnection store) : WriterStore
{
    public override string ConnectionString => store.ConnectionString;

    public override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(store.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    public override async Task<DbTransaction> BeginBatchAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var waitStarted = Stopwatch.GetTimestamp();
        await using (var lockWriter = new NpgsqlCommand($"SELECT pg_advisory_xact_lock({PostgresLocks.Writer})", (NpgsqlConnection)connection, (NpgsqlTransaction)transaction))
            await lockWriter.ExecuteNonQueryAsync(cancellationToken);
        CommitCoordinator.WriterLockWait.Record(Stopwatch.GetElapsedTime(waitStarted).TotalMilliseconds);
        return transaction;
    }

    public override async Task InsertEntriesAsync(WriterConnection writer, IReadOnlyList<StagedLedgerEntry> entries, long firstSequence)
    {
        // One statement for the whole batch: arrays, one round trip.
        var insert = writer.Statement($"""
            INSERT INTO "{LedgerSchema.Entries}" ("Sequence", "ChildFileId", "CaseId", "EntryType", "AuthorAgency", "RecordedAt", "EntryBytes")
            SELECT * FROM unnest(@seq, @file, @case, @type, @agency, @at, @bytes)
            """, command =>
        {
            command.Parameters.Add(new NpgsqlParameter<long[]>("seq", NpgsqlDbType.Array | NpgsqlDbType.Bigint));
            command.Parameters.Add(new NpgsqlParameter<string[]>("file", NpgsqlDbType.Array | NpgsqlDbType.Text));
            command.Parameters.Add(new NpgsqlParameter<string?[]>("case", NpgsqlDbType.Array | NpgsqlDbType.Text));
            command.Parameters.Add(new NpgsqlParameter<string[]>("type", NpgsqlDbType.Array | NpgsqlDbType.Text));
            command.Parameters.Add(new NpgsqlParameter<string[]>("agency", NpgsqlDbType.Array | NpgsqlDbType.Text));
            command.Parameters.Add(new NpgsqlParameter<long[]>("at", NpgsqlDbType.Array | NpgsqlDbType.Bigint));
            command.Parameters.Add(new NpgsqlParameter<byte[][]>("bytes", NpgsqlDbType.Array | NpgsqlDbType.Bytea));
        });
        var p = insert.Parameters;
        ((NpgsqlParameter<long[]>)p[0]).TypedValue = Enumerable.Range(0, entries.Count).Select(i => firstSequence + i).ToArray();
        ((NpgsqlParameter<string[]>)p[1]).TypedValue = entries.Select(s => s.Entry.ChildFileId).ToArray();
        ((NpgsqlParameter<string?[]>)p[2]).TypedValue = entries.Select(s => s.Entry.CaseId).ToArray();
        ((NpgsqlParameter<string[]>)p[3]).TypedValue = entries.Select(s => s.Entry.EntryType).ToArray();
        ((NpgsqlParameter<string[]>)p[4]).TypedValue = entries.Select(s => s.Entry.AuthorAgencyCode).ToArray();
        ((NpgsqlParameter<long[]>)p[5]).TypedValue = entries.Select(s => s.Entry.RecordedAt.UtcTicks).ToArray();
        ((NpgsqlParameter<byte[][]>)p[6]).TypedValue = entries.Select(s => s.Entry.ToCanonicalBytes()).ToArray();
        await insert.ExecuteNonQueryAsync();
    }
}
