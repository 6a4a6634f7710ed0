using Microsoft.Data.Sqlite;

namespace EscalationHub.Adapters.Runtime;

/// <summary>The ids of the messages this agency's adapter has applied, in the adapter's own SQLite file, so a
/// redelivered message is recognised and not passed to the agency system twice.</summary>
public sealed class AdapterInbox
{
    private readonly string connectionString;

    public AdapterInbox(string databasePath)
    {
        connectionString = AdapterDatabase.ConnectionString(databasePath);
        DatabasePath = databasePath;
        using var connection = Open();
        Execute(connection, """
            PRAGMA journal_mode=WAL;
            CREATE TABLE IF NOT EXISTS inbox (
                message_id   TEXT PRIMARY KEY,
                message_type TEXT NOT NULL,
                processed_at TEXT NOT NULL);
            """);
    }

    public string DatabasePath { get; }

    /// <summary>The adapter's file, for work that spans its tables in one transaction (<see cref="AdapterDatabase.InOneTransactionAsync{T}"/>).</summary>
    public string ConnectionString => connectionString;

    public async Task<bool> HasProcessedAsync(Guid messageId, CancellationToken cancellationToken = default)
    {
        await using var connection = Open();
        return await HasProcessedAsync(connection, messageId, cancellationToken);
    }

    public async Task<bool> HasProcessedAsync(SqliteConnection connection, Guid messageId, CancellationToken cancellationToken = default)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT 1 FROM inbox WHERE message_id = $id";
        command.Parameters.AddWithValue("$id", messageId.ToString());
        return await command.ExecuteScalarAsync(cancellationToken) is not null;
    }

    /// <returns>False when the message had been recorded already.</returns>
    public async Task<bool> RecordAsync(Guid messageId, string messageType, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        await using var connection = Open();
        return await RecordAsync(connection, messageId, messageType, at, cancellationToken);
    }

    public async Task<bool> RecordAsync(SqliteConnection connection, Guid messageId, string messageType, DateTimeOffset at,
        CancellationToken cancellationToken = default)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "INSERT OR IGNORE INTO inbox (message_id, message_type, processed_at) VALUES ($id, $type, $at)";
        command.Parameters.AddWithValue("$id", messageId.ToString());
        command.Parameters.AddWithValue("$type", messageType);
        command.Parameters.AddWithValue("$at", at.UtcDateTime.ToString("O"));
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task<int> CountAsync(string? messageType = null, CancellationToken cancellationToken = default)
    {
        await using var connection = Open();
        await using var command = connection.CreateCommand();
        command.CommandText = messageType is null ? "SELECT COUNT(*) FROM inbox" : "SELECT COUNT(*) FROM inbox WHERE message_type = $type";
        if (messageType is not null) command.Parameters.AddWithValue("$type", messageType);
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken));
    }

    private SqliteConnection Open() => AdapterDatabase.Open(connectionString);

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
