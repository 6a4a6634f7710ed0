namespace EscalationHub.Ledger;

/// <summary>A node store in memory, one dense list per level. Thread-safe.</summary>
public sealed class InMemoryMerkleNodeStore : IMerkleNodeStore
{
    private readonly List<List<MerkleHash>> levels = [];
    private readonly Lock gate = new();

    public ValueTask<long> GetLeafCountAsync(CancellationToken cancellationToken = default)
    {
        lock (gate)
            return ValueTask.FromResult(levels.Count == 0 ? 0L : levels[0].Count);
    }

    public ValueTask<IReadOnlyList<MerkleHash>> GetAsync(IReadOnlyList<MerkleNodeId> ids, CancellationToken cancellationToken = default)
    {
        var hashes = new MerkleHash[ids.Count];
        lock (gate)
        {
            for (var i = 0; i < ids.Count; i++)
            {
                var (level, index) = ids[i];
                if (level >= levels.Count || index < 0 || index >= levels[level].Count)
                    throw new KeyNotFoundException($"no node {ids[i]} in the store");
                hashes[i] = levels[level][(int)index];
            }
        }
        return ValueTask.FromResult<IReadOnlyList<MerkleHash>>(hashes);
    }

    public ValueTask PutAsync(IReadOnlyList<MerkleNode> nodes, CancellationToken cancellationToken = default)
    {
        lock (gate)
        {
            // Check the whole batch before changing anything, so a bad batch leaves the store as it was.
            var next = new Dictionary<int, long>();
            foreach (var (id, _) in nodes)
            {
                var expected = next.TryGetValue(id.Level, out var n) ? n : id.Level < levels.Count ? levels[id.Level].Count : 0;
                if (id.Index != expected)
                    throw new InvalidOperationException($"node {id} does not extend level {id.Level}, which continues at index {expected}");
                next[id.Level] = expected + 1;
            }
            foreach (var (id, hash) in nodes)
            {
                while (levels.Count <= id.Level) levels.Add([]);
                levels[id.Level].Add(hash);
            }
        }
        return ValueTask.CompletedTask;
    }
}
