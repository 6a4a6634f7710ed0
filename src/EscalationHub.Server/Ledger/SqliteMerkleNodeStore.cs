using System.Text;
using EscalationHub.Ledger;
using Microsoft.Data.Sqlite;

namespace EscalationHub.Server.Ledger;

/// <summary>
/// <see cref="IMerkleNodeStore"/> over the hub's LedgerNodes table, on a connection the caller owns (the commit
/// coordinator's, inside its transaction, for appends; a request's EF connection for proofs). Reads are one query
/// for the whole batch of nodes; a put is prepared inserts inside the caller's transaction, and the primary key
/// (Level, Idx) refuses a second writer's fork.
/// </summary>
public sealed class SqliteMerkleNodeStore(SqliteConnection connection, SqliteTransaction? transaction = null) : IMerkleNodeStore, IDisposable
{
    private SqliteCommand? insert;

    public async ValueTask<long> GetLeafCountAsync(CancellationToken cancellationToken = default)
    {
        await using var command = Command($"SELECT COALESCE(MAX(Idx) + 1, 0) FROM \"{LedgerSchema.Nodes}\" WHERE Level = 0");
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public async ValueTask<IReadOnlyList<MerkleHash>> GetAsync(IReadOnlyList<MerkleNodeId> ids, CancellationToken cancellationToken = default)
    {
        if (ids.Count == 0) return [];
        var sql = new StringBuilder($"SELECT Level, Idx, Hash FROM \"{LedgerSchema.Nodes}\" WHERE (Level, Idx) IN (VALUES ");
        for (var i = 0; i < ids.Count; i++)
            sql.Append(i == 0 ? "" : ",").Append('(').Append(ids[i].Level).Append(',').Append(ids[i].Index).Append(')');
        sql.Append(')');
        await using var command = Command(sql.ToString());
        var found = new Dictionary<MerkleNodeId, MerkleHash>(ids.Count);
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
                found[new MerkleNodeId(reader.GetInt32(0), reader.GetInt64(1))] = MerkleHash.FromBytes((byte[])reader[2]);
        }
        var hashes = new MerkleHash[ids.Count];
        for (var i = 0; i < ids.Count; i++)
            hashes[i] = found.TryGetValue(ids[i], out var hash) ? hash : throw new KeyNotFoundException($"no node {ids[i]} in the store");
        return hashes;
    }

    public ValueTask PutAsync(IReadOnlyList<MerkleNode> nodes, CancellationToken cancellationToken = default)
    {
        if (transaction is null) throw new InvalidOperationException("nodes are written only inside the appending transaction");
        if (insert is null)
        {
            insert = Command($"INSERT INTO \"{LedgerSchema.Nodes}\" (Level, Idx, Hash) VALUES ($level, $idx, $hash)");
            insert.Parameters.Add("$level", SqliteType.Integer);
            insert.Parameters.Add("$idx", SqliteType.Integer);
            insert.Parameters.Add("$hash", SqliteType.Blob);
            insert.Prepare();
        }
        foreach (var (id, hash) in nodes)
        {
            insert.Parameters[0].Value = id.Level;
            insert.Parameters[1].Value = id.Index;
            insert.Parameters[2].Value = hash.ToArray();
            insert.ExecuteNonQuery(); // synchronous underneath; the async form only adds overhead per row
        }
        return ValueTask.CompletedTask;
    }

    public void Dispose() => insert?.Dispose();

    private SqliteCommand Command(string sql)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        return command;
    }
}
