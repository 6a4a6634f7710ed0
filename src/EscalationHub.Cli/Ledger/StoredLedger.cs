using EscalationHub.Ledger;
using Microsoft.Data.Sqlite;

namespace EscalationHub.Cli.Ledger;

/// <summary>
/// Reads a hub store's ledger tables (schema: EscalationHub.Server's LedgerSchema) read-only and streaming. Each row
/// is given to the verifier with the level-0 hash the tree stored for it, so an edited, swapped or deleted row is
/// named exactly; the header columns copied beside the entry bytes are checked against them too.
/// </summary>
internal sealed class StoredLedger(string path)
{
    private readonly string connectionString = new SqliteConnectionStringBuilder
    {
        DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false,
    }.ToString();

    /// <summary>Set when a row's copied columns disagree with its entry bytes; the row stream stops there.</summary>
    public string? ColumnFault { get; private set; }

    public SignedTreeHead? LatestHead()
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT TreeSize, RootHash, TimestampTicks, Signature FROM LedgerTreeHeads ORDER BY TreeSize DESC LIMIT 1";
        using var reader = command.ExecuteReader();
        return reader.Read() ? ReadHead(reader) : null;
    }

    public long EntryCount()
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM LedgerEntries";
        return (long)command.ExecuteScalar()!;
    }

    public IEnumerable<SignedTreeHead> Heads()
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT TreeSize, RootHash, TimestampTicks, Signature FROM LedgerTreeHeads ORDER BY TreeSize";
        using var reader = command.ExecuteReader();
        while (reader.Read()) yield return ReadHead(reader);
    }

    public IEnumerable<LedgerRow> Rows()
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT e.Sequence, e.EntryBytes, n.Hash, e.ChildFileId, e.CaseId, e.EntryType, e.AuthorAgency
            FROM LedgerEntries e LEFT JOIN LedgerNodes n ON n.Level = 0 AND n.Idx = e.Sequence
            ORDER BY e.Sequence
            """;
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var sequence = reader.GetInt64(0);
            // GetFieldValue, not a cast: a row rewritten as TEXT is still read (and then fails its hash).
            var bytes = reader.GetFieldValue<byte[]>(1);
            var leaf = reader.IsDBNull(2) ? null : Hash(reader.GetFieldValue<byte[]>(2));
            if (LedgerEntry.TryParse(bytes, out var entry, out _)
                && (entry.ChildFileId != reader.GetString(3) || entry.CaseId != (reader.IsDBNull(4) ? null : reader.GetString(4))
                    || entry.EntryType != reader.GetString(5) || entry.AuthorAgencyCode != reader.GetString(6)))
            {
                ColumnFault = $"first bad entry: #{sequence} (its child file, case, type or agency columns do not match its entry bytes)";
                yield break;
            }
            yield return LedgerRow.ForEntry(sequence, bytes, leaf);
        }
    }

    // A stored hash of the wrong length cannot match anything: all zeros make it fail as a mismatch, not a crash.
    private static MerkleHash Hash(byte[] bytes) => bytes.Length == MerkleHash.Length ? MerkleHash.FromBytes(bytes) : MerkleHash.FromBytes(new byte[MerkleHash.Length]);

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(connectionString);
        connection.Open();
        return connection;
    }

    private static SignedTreeHead ReadHead(SqliteDataReader reader) =>
        new(reader.GetInt64(0), MerkleHash.FromBytes((byte[])reader[1]),
            new DateTimeOffset(DateTimeOffset.UnixEpoch.UtcTicks + reader.GetInt64(2), TimeSpan.Zero), (byte[])reader[3]);
}
