using System.Text;
using EscalationHub.Ledger;
using Npgsql;
using NpgsqlTypes;

namespace EscalationHub.Server.Ledger;

/// <summary>
/// <see cref="IMerkleNodeStore"/> over the LedgerNodes table on PostgreSQL, on a connection the caller owns (the
/// commit coordinator's, inside its transaction, for appends; a request's EF connection for proofs). A put is one
/// multi-row insert; the primary key (Level, Idx) refuses a fork.
/// </summary>
public sealed class NpgsqlMerkleNodeStore(NpgsqlConnection connection, NpgsqlTransaction? transaction = null) : IMerkleNodeStore, IDisposable
{
    public async ValueTask<long> GetLeafCountAsync(CancellationToken cancellationToken = default)
    {
        await using var command = Command($"SELECT COALESCE(MAX(\"Idx\") + 1, 0) FROM \"{LedgerSchema.Nodes}\" WHERE \"Level\" = 0");
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken));
    }

    public async ValueTask<IReadOnlyList<MerkleHash>> GetAsync(IReadOnlyList<MerkleNodeId> ids, CancellationToken cancellationToken = default)
    {
        if (ids.Count == 0) return [];
        var sql = new StringBuilder($"SELECT \"Level\", \"Idx\", \"Hash\" FROM \"{LedgerSchema.Nodes}\" WHERE (\"Level\", \"Idx\") IN (VALUES ");
        for (var i = 0; i < ids.Count; i++)
            sql.Append(i == 0 ? "" : ",").Append('(').Append(ids[i].Level).Append(',').Append(ids[i].Index).Append("::bigint)");
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
        await using var insert = Command($"INSERT INTO \"{LedgerSchema.Nodes}\" (\"Level\", \"Idx\", \"Hash\") SELECT * FROM unnest(@level, @idx, @hash)");
        insert.Parameters.Add(new NpgsqlParameter<int[]>("level", NpgsqlDbType.Array | NpgsqlDbType.Integer) { TypedValue = nodes.Select(n => n.Id.Level).ToArray() });
        insert.Parameters.Add(new NpgsqlParameter<long[]>("idx", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { TypedValue = nodes.Select(n => n.Id.Index).ToArray() });
        insert.Parameters.Add(new NpgsqlParameter<byte[][]>("hash", NpgsqlDbType.Array | NpgsqlDbType.Bytea) { TypedValue = nodes.Select(n => n.Hash.ToArray()).ToArray() });
        await insert.ExecuteNonQueryAsync(cancellationToken);
    }

    public void Dispose() { }

    private NpgsqlCommand Command(string sql) => new(sql, connection, transaction);
}
