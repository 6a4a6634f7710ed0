using Microsoft.Data.Sqlite;

namespace EscalationHub.Adapters.Runtime.AgencySystem;

/// <summary>What an in-process agency-system simulator received, kept in the adapter's SQLite file so the demo and
/// the tests can see exactly what reached each agency (and that nothing about other children did).</summary>
public sealed class SimulatorLog
{
    private readonly string connectionString;

    public SimulatorLog(string databasePath)
    {
        connectionString = AdapterDatabase.ConnectionString(databasePath);
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            CREATE TABLE IF NOT EXISTS simulator_received (
                sequence    INTEGER PRIMARY KEY AUTOINCREMENT,
                delivery_id TEXT NOT NULL UNIQUE,
                kind        TEXT NOT NULL,
                body        TEXT NOT NULL);
            """;
        command.ExecuteNonQuery();
    }

    /// <returns>False when this delivery had been received before (a retry after a lost answer).</returns>
    public async Task<bool> RecordAsync(Guid deliveryId, string kind, string body, CancellationToken cancellationToken = default)
    {
        await using var connection = Open();
        await using var command = connection.CreateCommand();
        command.CommandText = "INSERT OR IGNORE INTO simulator_received (delivery_id, kind, body) VALUES ($id, $kind, $body)";
        command.Parameters.AddWithValue("$id", deliveryId.ToString());
        command.Parameters.AddWithValue("$kind", kind);
        command.Parameters.AddWithValue("$body", body);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task<IReadOnlyList<(string Kind, string Body)>> AllAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = Open();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT kind, body FROM simulator_received ORDER BY sequence";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var all = new List<(string, string)>();
        while (await reader.ReadAsync(cancellationToken)) all.Add((reader.GetString(0), reader.GetString(1)));
        return all;
    }

    private SqliteConnection Open() => AdapterDatabase.Open(connectionString);
}
