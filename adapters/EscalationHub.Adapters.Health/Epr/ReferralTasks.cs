using EscalationHub.Adapters.Runtime;
using Microsoft.Data.Sqlite;

namespace EscalationHub.Adapters.Health.Epr;

/// <summary>Per concern this hospital raised: the referral's key (for Task.basedOn), the furthest status already
/// owed to the EPR, so a status that arrives late (the bus does not promise order) never overwrites a newer one, and
/// the whole Task last sent, so an update keeps the fields it does not change (authoredOn, identifier, owner...).</summary>
public sealed class ReferralTasks
{
    private readonly string connectionString;

    public ReferralTasks(string databasePath)
    {
        connectionString = AdapterDatabase.ConnectionString(databasePath);
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            CREATE TABLE IF NOT EXISTS referral_tasks (
                concern_id      TEXT PRIMARY KEY,
                idempotency_key TEXT NULL,
                status_rank     INTEGER NOT NULL,
                task_json       TEXT NULL);
            """;
        command.ExecuteNonQuery();
        // A file made before the last Task was kept: add its column.
        SqliteColumns.AddIfMissing(connection, "referral_tasks", "task_json", "TEXT NULL");
    }

    /// <summary>The whole Task last sent to the EPR for this concern (FHIR JSON), so the next update keeps what it does not change.</summary>
    public async Task<string?> LastTaskAsync(Guid concernId, CancellationToken cancellationToken)
    {
        await using var connection = Open();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT task_json FROM referral_tasks WHERE concern_id = $id";
        command.Parameters.AddWithValue("$id", concernId.ToString());
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }

    public async Task KeepTaskAsync(Guid concernId, string taskJson, CancellationToken cancellationToken)
    {
        await using var connection = Open();
        await using var command = connection.CreateCommand();
        command.CommandText = "UPDATE referral_tasks SET task_json = $json WHERE concern_id = $id";
        command.Parameters.AddWithValue("$id", concernId.ToString());
        command.Parameters.AddWithValue("$json", taskJson);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Records that <paramref name="rank"/> is owed; false when a status as far or further already was.</summary>
    public async Task<bool> AdvanceAsync(Guid concernId, string? key, int rank, CancellationToken cancellationToken)
    {
        await using var connection = Open();
        await using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO referral_tasks (concern_id, idempotency_key, status_rank) VALUES ($id, $key, $rank)
            ON CONFLICT (concern_id) DO UPDATE SET
                idempotency_key = COALESCE(referral_tasks.idempotency_key, excluded.idempotency_key),
                status_rank = excluded.status_rank
            WHERE excluded.status_rank > referral_tasks.status_rank;
            """;
        command.Parameters.AddWithValue("$id", concernId.ToString());
        command.Parameters.AddWithValue("$key", (object?)key ?? DBNull.Value);
        command.Parameters.AddWithValue("$rank", rank);
        var advanced = await command.ExecuteNonQueryAsync(cancellationToken) == 1;
        if (!advanced && key is not null)
        {
            await using var remember = connection.CreateCommand();
            remember.CommandText = "UPDATE referral_tasks SET idempotency_key = $key WHERE concern_id = $id AND idempotency_key IS NULL";
            remember.Parameters.AddWithValue("$id", concernId.ToString());
            remember.Parameters.AddWithValue("$key", key);
            await remember.ExecuteNonQueryAsync(cancellationToken);
        }
        return advanced;
    }

    public async Task<string?> KeyAsync(Guid concernId, CancellationToken cancellationToken)
    {
        await using var connection = Open();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT idempotency_key FROM referral_tasks WHERE concern_id = $id";
        command.Parameters.AddWithValue("$id", concernId.ToString());
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }

    /// <summary>The concern the referral with this key became, once the hub has accepted it.</summary>
    public async Task<Guid?> ConcernForKeyAsync(string key, CancellationToken cancellationToken)
    {
        await using var connection = Open();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT concern_id FROM referral_tasks WHERE idempotency_key = $key LIMIT 1";
        command.Parameters.AddWithValue("$key", key);
        return await command.ExecuteScalarAsync(cancellationToken) is string id ? Guid.Parse(id) : null;
    }

    private SqliteConnection Open() => AdapterDatabase.Open(connectionString);
}
