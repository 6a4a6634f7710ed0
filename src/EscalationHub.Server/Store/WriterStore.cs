using System.Data.Common;
using EscalationHub.Server.Ledger;
using Microsoft.Data.Sqlite;

namespace EscalationHub.Server.Store;

/// <summary>
/// What the group commit (<see cref="CommitCoordinator"/>) needs from a store engine, and only what differs between
/// SQLite (<see cref="SqliteWriterStore"/>) and PostgreSQL (<see cref="Postgres.PostgresWriterStore"/>): opening the
/// writer's connection, beginning a batch's transaction, and inserting a batch's ledger entries.
/// </summary>
public abstract class WriterStore
{
    /// <summary>The connection string a command's own context gets back after its command ran on the writer's connection.</summary>
    public abstract string ConnectionString { get; }

    public abstract Task<DbConnection> OpenAsync(CancellationToken cancellationToken);

    /// <summary>Begins the transaction of one batch; the PostgreSQL writer also waits here for the other replicas'.</summary>
    public abstract Task<DbTransaction> BeginBatchAsync(DbConnection connection, CancellationToken cancellationToken);

    /// <summary>Inserts the batch's entries, numbered from <paramref name="firstSequence"/>, on the writer's connection.</summary>
    public abstract Task InsertEntriesAsync(WriterConnection writer, IReadOnlyList<StagedLedgerEntry> entries, long firstSequence);
}

public sealed class SqliteWriterStore(StoreLocation store) : WriterStore
{
    public override string ConnectionString { get; } = StoreRegistration.ConnectionString(store.Path);

    public override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var pragmas = connection.CreateCommand();
        pragmas.CommandText = StoreRegistration.Pragmas; // synchronous=FULL: the batch's commit is its fsync
        await pragmas.ExecuteNonQueryAsync(cancellationToken);
        return connection;
    }

    public override async Task<DbTransaction> BeginBatchAsync(DbConnection connection, CancellationToken cancellationToken) =>
        await connection.BeginTransactionAsync(cancellationToken); // BEGIN IMMEDIATE

    public override Task InsertEntriesAsync(WriterConnection writer, IReadOnlyList<StagedLedgerEntry> entries, long firstSequence)
    {
        var insert = writer.Statement($"""
            INSERT INTO "{LedgerSchema.Entries}" (Sequence, ChildFileId, CaseId, EntryType, AuthorAgency, RecordedAt, EntryBytes)
            VALUES ($seq, $file, $case, $type, $agency, $at, $bytes)
            """, command =>
        {
            foreach (var name in (string[])["$seq", "$file", "$case", "$type", "$agency", "$at", "$bytes"])
                command.Parameters.Add(new SqliteParameter(name, SqliteType.Text));
        });
        var p = insert.Parameters;
        var sequence = firstSequence;
        foreach (var staged in entries)
        {
            var e = staged.Entry;
            p[0].Value = sequence++;
            p[1].Value = e.ChildFileId;
            p[2].Value = (object?)e.CaseId ?? DBNull.Value;
            p[3].Value = e.EntryType;
            p[4].Value = e.AuthorAgencyCode;
            p[5].Value = e.RecordedAt.UtcTicks;
            p[6].Value = e.ToCanonicalBytes();
            insert.ExecuteNonQuery(); // Microsoft.Data.Sqlite is synchronous underneath: the async form only adds overhead
        }
        return Task.CompletedTask;
    }
}

/// <summary>
/// The writer's open connection and what lives as long as it: the statements prepared on it (kept across batches,
/// each bound to the current batch's transaction when taken) and the per-command savepoint. Dropped, with all its
/// statements, when a batch fails: the next batch opens a fresh one.
/// </summary>
public sealed class WriterConnection(DbConnection connection) : IAsyncDisposable
{
    private readonly Dictionary<string, DbCommand> statements = new(StringComparer.Ordinal);
    private bool savepointOpen;

    public DbConnection Connection { get; } = connection;
    public DbTransaction? Transaction { get; private set; }

    /// <summary>The statement for <paramref name="sql"/>, prepared on first use (its parameters added by
    /// <paramref name="define"/>), enlisted in the current batch's transaction.</summary>
    public DbCommand Statement(string sql, Action<DbCommand> define)
    {
        if (!statements.TryGetValue(sql, out var command))
        {
            command = Connection.CreateCommand();
            command.CommandText = sql;
            define(command);
            command.Transaction = Transaction;
            command.Prepare();
            statements.Add(sql, command);
        }
        command.Transaction = Transaction;
        return command;
    }

    internal void Use(DbTransaction transaction)
    {
        Transaction = transaction;
        savepointOpen = false;
    }

    // A savepoint per command that touches the store (taken when its context is bound), as reused statements
    // (cheaper than DbTransaction.Save). A command that only stages ledger entries needs none: its entries are
    // discarded in memory if it fails.
    internal void Save()
    {
        if (savepointOpen) return;
        Run("SAVEPOINT command");
        savepointOpen = true;
    }

    internal void Release()
    {
        if (savepointOpen) Run("RELEASE SAVEPOINT command");
        savepointOpen = false;
    }

    internal void RollBack()
    {
        if (!savepointOpen) return;
        savepointOpen = false;
        Run("ROLLBACK TO SAVEPOINT command");
        Run("RELEASE SAVEPOINT command");
    }

    private void Run(string sql)
    {
        if (!statements.TryGetValue(sql, out var command))
        {
            command = Connection.CreateCommand();
            command.CommandText = sql;
            statements.Add(sql, command);
        }
        command.Transaction = Transaction;
        command.ExecuteNonQuery();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var command in statements.Values) await command.DisposeAsync();
        statements.Clear();
        await Connection.DisposeAsync();
    }
}
