using Microsoft.Data.Sqlite;

namespace EscalationHub.Adapters.Runtime;

/// <summary>What this agency is party to, as its adapter learnt it from the hub (in the adapter's SQLite file): the
/// concerns it raised or was sent (with their child files), the disagreements it received notices of, and the
/// disagreement commands its agency system sent. The adapter's edge checks commands against it, so an agency can act
/// only on what it was told about, and a refusal from the hub can be matched to the agency's own command id.</summary>
public sealed class CaseDirectory
{
    private readonly string connectionString;

    public CaseDirectory(string databasePath)
    {
        connectionString = AdapterDatabase.ConnectionString(databasePath);
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            CREATE TABLE IF NOT EXISTS known_concerns (
                concern_id    TEXT PRIMARY KEY,
                child_file_id TEXT NOT NULL,
                counterpart   TEXT NULL);
            CREATE TABLE IF NOT EXISTS known_disagreements (
                disagreement_id TEXT PRIMARY KEY,
                raised_by       TEXT NOT NULL,
                child_file_ids  TEXT NOT NULL,
                command_id      TEXT NULL,
                last_sequence   INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS child_file_parties (
                child_file_id   TEXT NOT NULL,
                agency_code     TEXT NOT NULL,
                through         TEXT NOT NULL,
                case_id         TEXT NOT NULL,
                joined_at       TEXT NOT NULL,
                PRIMARY KEY (child_file_id, agency_code));
            CREATE TABLE IF NOT EXISTS sent_commands (
                message_id      TEXT PRIMARY KEY,
                command_id      TEXT NOT NULL,
                kind            TEXT NOT NULL,
                disagreement_id TEXT NULL,
                sent_at         TEXT NOT NULL);
            """;
        command.ExecuteNonQuery();
    }

    /// <summary>Another agency joined a child file this agency holds (the hub's notice): kept with the first case it
    /// joined through; a redelivery changes nothing.</summary>
    public async Task RememberPartyJoinedAsync(string childFileId, string agencyCode, string through, string caseId, DateTimeOffset joinedAt,
        CancellationToken cancellationToken = default)
    {
        await using var connection = Open();
        await using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT OR IGNORE INTO child_file_parties (child_file_id, agency_code, through, case_id, joined_at)
            VALUES ($file, $agency, $through, $case, $at)
            """;
        command.Parameters.AddWithValue("$file", childFileId);
        command.Parameters.AddWithValue("$agency", agencyCode);
        command.Parameters.AddWithValue("$through", through);
        command.Parameters.AddWithValue("$case", caseId);
        command.Parameters.AddWithValue("$at", joinedAt.UtcDateTime.ToString("O"));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>A concern this agency raised or was sent: its child file, and the other agency (null when not yet known).</summary>
    public async Task RememberConcernAsync(Guid concernId, string childFileId, string? counterpart, CancellationToken cancellationToken = default)
    {
        await using var connection = Open();
        await RememberConcernAsync(connection, concernId, childFileId, counterpart, cancellationToken);
    }

    public async Task RememberConcernAsync(SqliteConnection connection, Guid concernId, string childFileId, string? counterpart,
        CancellationToken cancellationToken = default)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO known_concerns (concern_id, child_file_id, counterpart) VALUES ($id, $file, $other)
            ON CONFLICT (concern_id) DO UPDATE SET
                child_file_id = CASE known_concerns.child_file_id WHEN '' THEN excluded.child_file_id ELSE known_concerns.child_file_id END,
                counterpart = COALESCE(known_concerns.counterpart, excluded.counterpart);
            """;
        command.Parameters.AddWithValue("$id", concernId.ToString());
        command.Parameters.AddWithValue("$file", childFileId);
        command.Parameters.AddWithValue("$other", (object?)counterpart ?? DBNull.Value);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The other agency of a concern, learnt later (e.g. from the addressed agency's acknowledgement), which may
    /// arrive before the concern's acceptance (the bus does not promise order): the child file is then filled in later.</summary>
    public async Task RememberCounterpartAsync(Guid concernId, string counterpart, CancellationToken cancellationToken = default)
    {
        await using var connection = Open();
        await using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO known_concerns (concern_id, child_file_id, counterpart) VALUES ($id, '', $other)
            ON CONFLICT (concern_id) DO UPDATE SET counterpart = COALESCE(known_concerns.counterpart, excluded.counterpart);
            """;
        command.Parameters.AddWithValue("$id", concernId.ToString());
        command.Parameters.AddWithValue("$other", counterpart);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<(string ChildFileId, string? Counterpart)?> ConcernAsync(Guid concernId, CancellationToken cancellationToken = default)
    {
        await using var connection = Open();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT child_file_id, counterpart FROM known_concerns WHERE concern_id = $id";
        command.Parameters.AddWithValue("$id", concernId.ToString());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) && reader.GetString(0) is { Length: > 0 } file
            ? (file, reader.IsDBNull(1) ? null : reader.GetString(1))
            : null;
    }

    /// <summary>Whether the child file is one of this agency's (a concern about the child, or a disagreement naming it).</summary>
    public async Task<bool> KnowsChildFileAsync(string childFileId, CancellationToken cancellationToken = default)
    {
        await using var connection = Open();
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT 1 FROM known_concerns WHERE child_file_id = $file AND $file <> ''
            UNION ALL SELECT 1 FROM known_disagreements, json_each(known_disagreements.child_file_ids) WHERE json_each.value = $file
            LIMIT 1
            """;
        command.Parameters.AddWithValue("$file", childFileId);
        return await command.ExecuteScalarAsync(cancellationToken) is not null;
    }

    /// <summary>Records a disagreement notice; false when a notice as new or newer was already recorded (it arrived late).</summary>
    public async Task<bool> RememberDisagreementAsync(string disagreementId, string raisedBy, IReadOnlyList<string> childFileIds, string? commandId,
        int sequence, CancellationToken cancellationToken = default)
    {
        await using var connection = Open();
        await using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO known_disagreements (disagreement_id, raised_by, child_file_ids, command_id, last_sequence)
            VALUES ($id, $raiser, $files, $command, $sequence)
            ON CONFLICT (disagreement_id) DO UPDATE SET
                command_id = COALESCE(known_disagreements.command_id, excluded.command_id),
                last_sequence = excluded.last_sequence
            WHERE excluded.last_sequence > known_disagreements.last_sequence;
            """;
        command.Parameters.AddWithValue("$id", disagreementId);
        command.Parameters.AddWithValue("$raiser", raisedBy);
        command.Parameters.AddWithValue("$files", System.Text.Json.JsonSerializer.Serialize(childFileIds));
        command.Parameters.AddWithValue("$command", (object?)commandId ?? DBNull.Value);
        command.Parameters.AddWithValue("$sequence", sequence);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task<bool> KnowsDisagreementAsync(string disagreementId, CancellationToken cancellationToken = default)
    {
        await using var connection = Open();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT 1 FROM known_disagreements WHERE disagreement_id = $id";
        command.Parameters.AddWithValue("$id", disagreementId);
        return await command.ExecuteScalarAsync(cancellationToken) is not null;
    }

    /// <summary>The disagreement this agency opened with <paramref name="commandId"/>, once the hub's notice has said so.</summary>
    public async Task<string?> DisagreementOpenedWithAsync(string commandId, CancellationToken cancellationToken = default)
    {
        await using var connection = Open();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT disagreement_id FROM known_disagreements WHERE command_id = $command";
        command.Parameters.AddWithValue("$command", commandId);
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }

    /// <summary>A command the agency system sent, by the bus message id it went under.</summary>
    public async Task RememberCommandAsync(Guid messageId, string commandId, string kind, string? disagreementId, DateTimeOffset at,
        CancellationToken cancellationToken = default)
    {
        await using var connection = Open();
        await using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT OR IGNORE INTO sent_commands (message_id, command_id, kind, disagreement_id, sent_at) VALUES ($message, $command, $kind, $dg, $at)
            """;
        command.Parameters.AddWithValue("$message", messageId.ToString());
        command.Parameters.AddWithValue("$command", commandId);
        command.Parameters.AddWithValue("$kind", kind);
        command.Parameters.AddWithValue("$dg", (object?)disagreementId ?? DBNull.Value);
        command.Parameters.AddWithValue("$at", at.UtcDateTime.ToString("O"));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The agency's own id of the command sent under <paramref name="messageId"/>, or null.</summary>
    public async Task<string?> CommandIdAsync(Guid messageId, CancellationToken cancellationToken = default)
    {
        await using var connection = Open();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT command_id FROM sent_commands WHERE message_id = $message";
        command.Parameters.AddWithValue("$message", messageId.ToString());
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }

    private SqliteConnection Open() => AdapterDatabase.Open(connectionString);
}
