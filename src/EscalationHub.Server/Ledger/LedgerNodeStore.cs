using System.Data.Common;
using System.Text;
using EscalationHub.Ledger;
using Microsoft.Data.Sqlite;
using Npgsql;
using NpgsqlTypes;

namespace EscalationHub.Server.Ledger;

/// <summary>
/// <see cref="IMerkleNodeStore"/> over the hub's LedgerNodes table, on a connection the caller owns (the group
/// commit's, inside its transaction, for appends; a request's EF connection for proofs), SQLite or PostgreSQL. Reads
/// are one query for the whole batch of nodes. A put runs inside the caller's transaction: on SQLite one prepared
/// row insert reused for every node (the engine is in process, a row costs microseconds); on PostgreSQL one insert
/// of arrays (one round trip). The primary key (Level, Idx) refuses a second writer's fork.
/// </summary>
public sealed class LedgerNodeStore(DbConnection connection, DbTransaction? transaction = null) : IMerkleNodeStore, IDisposable
{
    private readonly bool postgres = connection is NpgsqlConnection;
    private DbCommand? insert;

    public async ValueTask<long> GetLeafCountAsync(CancellationToken cancellationToken = default)
    {
        await using var command = Command($"SELECT COALESCE(MAX(\"Idx\") + 1, 0) FROM \"{LedgerSchema.Nodes}\" WHERE \"Level\" = 0");
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken));
    }

    public async ValueTask<IReadOnlyList<MerkleHash>> GetAsync(IReadOnlyList<MerkleNodeId> ids, CancellationToken cancellationToken = default)
    {
        if (ids.Count == 0) return [];
        // Row values compared with literal integers (never text), so both engines use the primary key.
        var index = postgres ? "::bigint)" : ")";
        var sql = new StringBuilder($"SELECT \"Level\", \"Idx\", \"Hash\" FROM \"{LedgerSchema.Nodes}\" WHERE (\"Level\", \"Idx\") IN (VALUES ");
        for (var i = 0; i < ids.Count; i++)
            sql.Append(i == 0 ? "" : ",").Append('(').Append(ids[i].Level).Append(',').Append(ids[i].Index).Append(index);
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

    public async ValueTask PutAsync(IReadOnlyList<MerkleNode> nodes, CancellationToken cancellationToken = default)
    {
        if (transaction is null) throw new InvalidOperationException("nodes are written only inside the appending transaction");
        if (nodes.Count == 0) return;
        if (postgres)
        {
            await using var arrays = Command($"INSERT INTO \"{LedgerSchema.Nodes}\" (\"Level\", \"Idx\", \"Hash\") SELECT * FROM unnest(@level, @idx, @hash)");
            arrays.Parameters.Add(new NpgsqlParameter<int[]>("level", NpgsqlDbType.Array | NpgsqlDbType.Integer) { TypedValue = nodes.Select(n => n.Id.Level).ToArray() });
            arrays.Parameters.Add(new NpgsqlParameter<long[]>("idx", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { TypedValue = nodes.Select(n => n.Id.Index).ToArray() });
            arrays.Parameters.Add(new NpgsqlParameter<byte[][]>("hash", NpgsqlDbType.Array | NpgsqlDbType.Bytea) { TypedValue = nodes.Select(n => n.Hash.ToArray()).ToArray() });
            await arrays.ExecuteNonQueryAsync(cancellationToken);
            return;
        }
        if (insert is null)
        {
            insert = Command($"INSERT INTO \"{LedgerSchema.Nodes}\" (\"Level\", \"Idx\", \"Hash\") VALUES ($level, $idx, $hash)");
            insert.Parameters.Add(new SqliteParameter("$level", SqliteType.Integer));
            insert.Parameters.Add(new SqliteParameter("$idx", SqliteType.Integer));
            insert.Parameters.Add(new SqliteParameter("$hash", SqliteType.Blob));
            insert.Prepare();
        }
        foreach (var (id, hash) in nodes)
        {
            insert.Parameters[0].Value = id.Level;
            insert.Parameters[1].Value = id.Index;
            insert.Parameters[2].Value = hash.ToArray();
            insert.ExecuteNonQuery(); // synchronous underneath; the async form only adds overhead per row
        }
    }

    public void Dispose() => insert?.Dispose();

    private DbCommand Command(string sql)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        return command;
    }
}
