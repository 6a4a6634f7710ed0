using EscalationHub.Ledger;
using Microsoft.Data.Sqlite;

namespace EscalationHub.Adapters.Runtime.Ledger;

/// <summary>An entry the replica holds: verified to be in the hub's log under a signed tree head. <see cref="EntryBytes"/>
/// is empty for an entry recorded before this agency joined the file, which the hub gives as metadata only: the
/// leaf hash is then what was verified.</summary>
public sealed record ReplicaEntry(long Index, string ChildFileId, byte[] EntryBytes, MerkleHash LeafHash, long ProvedAtTreeSize)
{
    public LedgerEntry Parse() => LedgerEntry.Parse(EntryBytes);
}

/// <summary>
/// One agency's checked copy of the joint child files it is party to, in the adapter's own SQLite file (beside its
/// inbox): the files it follows, the entries it has verified, the signed tree heads it has come to trust (each
/// consistent with the one before), the hub key it pinned, and every alarm it raised.
/// </summary>
public sealed class LedgerReplica
{
    private readonly string connectionString;

    public LedgerReplica(string databasePath)
    {
        connectionString = AdapterDatabase.ConnectionString(databasePath);
        using var connection = Open();
        Execute(connection, """
            PRAGMA journal_mode=WAL;
            CREATE TABLE IF NOT EXISTS ledger_files (
                child_file_id TEXT PRIMARY KEY,
                tracked_at    TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS ledger_entries (
                idx              INTEGER PRIMARY KEY,
                child_file_id    TEXT NOT NULL,
                entry_bytes      BLOB NOT NULL,
                leaf_hash        BLOB NOT NULL,
                proved_at_size   INTEGER NOT NULL);
            CREATE INDEX IF NOT EXISTS ledger_entries_file ON ledger_entries (child_file_id, idx);
            CREATE TABLE IF NOT EXISTS ledger_heads (
                tree_size        INTEGER PRIMARY KEY,
                root_hash        BLOB NOT NULL,
                timestamp_ticks  INTEGER NOT NULL,
                signature        BLOB NOT NULL);
            CREATE TABLE IF NOT EXISTS ledger_hub_key (
                id               INTEGER PRIMARY KEY CHECK (id = 1),
                public_key_pem   TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS ledger_alarms (
                id               INTEGER PRIMARY KEY AUTOINCREMENT,
                raised_at        TEXT NOT NULL,
                child_file_id    TEXT,
                kind             TEXT NOT NULL,
                detail           TEXT NOT NULL);
            """);
    }

    /// <returns>True when the file was not followed before.</returns>
    public async Task<bool> TrackAsync(string childFileId, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        await using var connection = Open();
        return await TrackAsync(connection, childFileId, at, cancellationToken);
    }

    public async Task<bool> TrackAsync(SqliteConnection connection, string childFileId, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        await using var command = Command(connection, "INSERT OR IGNORE INTO ledger_files (child_file_id, tracked_at) VALUES ($id, $at)");
        command.Parameters.AddWithValue("$id", childFileId);
        command.Parameters.AddWithValue("$at", at.UtcDateTime.ToString("O"));
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task<IReadOnlyList<string>> TrackedFilesAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = Open();
        await using var command = Command(connection, "SELECT child_file_id FROM ledger_files ORDER BY child_file_id");
        var files = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) files.Add(reader.GetString(0));
        return files;
    }

    public async Task<IReadOnlyList<ReplicaEntry>> EntriesAsync(string childFileId, CancellationToken cancellationToken = default)
    {
        await using var connection = Open();
        await using var command = Command(connection,
            "SELECT idx, child_file_id, entry_bytes, leaf_hash, proved_at_size FROM ledger_entries WHERE child_file_id = $id ORDER BY idx");
        command.Parameters.AddWithValue("$id", childFileId);
        return await ReadEntriesAsync(command, cancellationToken);
    }

    public async Task<ReplicaEntry?> EntryAsync(long index, CancellationToken cancellationToken = default)
    {
        await using var connection = Open();
        await using var command = Command(connection,
            "SELECT idx, child_file_id, entry_bytes, leaf_hash, proved_at_size FROM ledger_entries WHERE idx = $idx");
        command.Parameters.AddWithValue("$idx", index);
        return (await ReadEntriesAsync(command, cancellationToken)).SingleOrDefault();
    }

    /// <summary>
    /// The child file's own root: RFC 9162 MTH over the leaf hashes of its entries in log order. Two agencies holding
    /// the same file compute the same root, so comparing it shows their copies are identical.
    /// </summary>
    public async Task<(int Entries, MerkleHash Root)> ChildFileRootAsync(string childFileId, CancellationToken cancellationToken = default)
    {
        var frontier = new MerkleFrontier();
        foreach (var entry in await EntriesAsync(childFileId, cancellationToken)) frontier.Append(entry.LeafHash);
        return ((int)frontier.Size, frontier.RootHash);
    }

    public async Task<SignedTreeHead?> LatestTrustedHeadAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = Open();
        await using var command = Command(connection,
            "SELECT tree_size, root_hash, timestamp_ticks, signature FROM ledger_heads ORDER BY tree_size DESC LIMIT 1");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new SignedTreeHead(reader.GetInt64(0), MerkleHash.FromBytes((byte[])reader[1]),
                new DateTimeOffset(DateTimeOffset.UnixEpoch.UtcTicks + reader.GetInt64(2), TimeSpan.Zero), (byte[])reader[3])
            : null;
    }

    public async Task<string?> PinnedHubKeyAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = Open();
        await using var command = Command(connection, "SELECT public_key_pem FROM ledger_hub_key WHERE id = 1");
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }

    public async Task PinHubKeyAsync(string publicKeyPem, CancellationToken cancellationToken = default)
    {
        await using var connection = Open();
        await using var command = Command(connection, "INSERT OR IGNORE INTO ledger_hub_key (id, public_key_pem) VALUES (1, $pem)");
        command.Parameters.AddWithValue("$pem", publicKeyPem);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Stores newly verified entries and the head they were proved against, in one transaction.</summary>
    public async Task AcceptAsync(SignedTreeHead head, IReadOnlyList<ReplicaEntry> entries, CancellationToken cancellationToken = default)
    {
        await using var connection = Open();
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        await using (var insertHead = Command(connection,
            "INSERT OR IGNORE INTO ledger_heads (tree_size, root_hash, timestamp_ticks, signature) VALUES ($size, $root, $ticks, $sig)"))
        {
            insertHead.Transaction = transaction;
            insertHead.Parameters.AddWithValue("$size", head.TreeSize);
            insertHead.Parameters.AddWithValue("$root", head.RootHash.ToArray());
            insertHead.Parameters.AddWithValue("$ticks", head.Timestamp.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks);
            insertHead.Parameters.AddWithValue("$sig", head.Signature.ToArray());
            await insertHead.ExecuteNonQueryAsync(cancellationToken);
        }
        foreach (var entry in entries)
        {
            await using var insert = Command(connection,
                "INSERT INTO ledger_entries (idx, child_file_id, entry_bytes, leaf_hash, proved_at_size) VALUES ($idx, $file, $bytes, $leaf, $size)");
            insert.Transaction = transaction;
            insert.Parameters.AddWithValue("$idx", entry.Index);
            insert.Parameters.AddWithValue("$file", entry.ChildFileId);
            insert.Parameters.AddWithValue("$bytes", entry.EntryBytes);
            insert.Parameters.AddWithValue("$leaf", entry.LeafHash.ToArray());
            insert.Parameters.AddWithValue("$size", entry.ProvedAtTreeSize);
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task RecordAlarmAsync(string? childFileId, string kind, string detail, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        await using var connection = Open();
        await using var command = Command(connection,
            "INSERT INTO ledger_alarms (raised_at, child_file_id, kind, detail) VALUES ($at, $file, $kind, $detail)");
        command.Parameters.AddWithValue("$at", at.UtcDateTime.ToString("O"));
        command.Parameters.AddWithValue("$file", (object?)childFileId ?? DBNull.Value);
        command.Parameters.AddWithValue("$kind", kind);
        command.Parameters.AddWithValue("$detail", detail);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<IReadOnlyList<ReplicaEntry>> ReadEntriesAsync(SqliteCommand command, CancellationToken cancellationToken)
    {
        var entries = new List<ReplicaEntry>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            entries.Add(new ReplicaEntry(reader.GetInt64(0), reader.GetString(1), (byte[])reader[2], MerkleHash.FromBytes((byte[])reader[3]), reader.GetInt64(4)));
        return entries;
    }

    private SqliteConnection Open() => AdapterDatabase.Open(connectionString);

    private static SqliteCommand Command(SqliteConnection connection, string sql)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        return command;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
