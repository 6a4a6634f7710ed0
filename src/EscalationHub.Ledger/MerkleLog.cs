namespace EscalationHub.Ledger;

/// <summary>What one append batch did: the sizes before and after, the new root, and the nodes it stored.</summary>
public sealed record MerkleAppendResult(long PreviousSize, long Size, MerkleHash RootHash, IReadOnlyList<MerkleNode> StoredNodes);

/// <summary>
/// The ledger's Merkle tree over an <see cref="IMerkleNodeStore"/>. Every completed perfect
/// subtree is stored once, so a root of any size, an inclusion proof or a consistency proof reads
/// O(log n) nodes in one batch, and an append batch reads the O(log n) frontier once and writes
/// each leaf plus the subtrees it completes (two nodes per leaf on average, at most log n + 1).
/// The log holds no state of its own: after a rolled-back transaction it simply reads the store again.
/// </summary>
public sealed class MerkleLog(IMerkleNodeStore store)
{
    public ValueTask<long> GetSizeAsync(CancellationToken cancellationToken = default) =>
        store.GetLeafCountAsync(cancellationToken);

    /// <summary>Appends leaf hashes (see <see cref="TreeHasher.HashLeaf"/>) and stores every subtree they complete, in one put.</summary>
    public async ValueTask<MerkleAppendResult> AppendAsync(IReadOnlyList<MerkleHash> leafHashes, CancellationToken cancellationToken = default)
    {
        var size = await store.GetLeafCountAsync(cancellationToken);
        var frontierIds = new List<MerkleNodeId>();
        TreeMath.Decompose(0, size, frontierIds);
        var frontier = new MerkleFrontier(size, await store.GetAsync(frontierIds, cancellationToken));

        var completed = new List<MerkleNode>(leafHashes.Count * 2);
        foreach (var leaf in leafHashes)
            frontier.Append(leaf, completed.Add);
        if (completed.Count > 0)
            await store.PutAsync(completed, cancellationToken);
        return new MerkleAppendResult(size, frontier.Size, frontier.RootHash, completed);
    }

    /// <summary>MTH of the first <paramref name="size"/> leaves; any size up to the current one.</summary>
    public async ValueTask<MerkleHash> GetRootAsync(long size, CancellationToken cancellationToken = default)
    {
        await EnsureWithinLogAsync(size, cancellationToken);
        if (size == 0) return TreeHasher.EmptyRoot;
        return (await HashRangesAsync([(0, size)], cancellationToken))[0];
    }

    /// <summary>The stored hash of one leaf.</summary>
    public async ValueTask<MerkleHash> GetLeafHashAsync(long index, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        await EnsureWithinLogAsync(index + 1, cancellationToken);
        return (await store.GetAsync([new MerkleNodeId(0, index)], cancellationToken))[0];
    }

    /// <summary>PATH(index, D[size]) of RFC 6962 2.1.1 for a tree of <paramref name="size"/> leaves.</summary>
    public async ValueTask<InclusionProof> GetInclusionProofAsync(long index, long size, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        if (index >= size)
            throw new ArgumentOutOfRangeException(nameof(index), index, $"leaf {index} is not in a tree of {size} leaves");
        await EnsureWithinLogAsync(size, cancellationToken);
        var path = await HashRangesAsync(TreeMath.InclusionRanges(index, size), cancellationToken);
        return new InclusionProof(index, size, path);
    }

    /// <summary>PROOF(firstSize, D[secondSize]) of RFC 6962 2.1.2; empty when the first size is 0 or equals the second.</summary>
    public async ValueTask<ConsistencyProof> GetConsistencyProofAsync(long firstSize, long secondSize, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(firstSize);
        if (secondSize < firstSize)
            throw new ArgumentOutOfRangeException(nameof(secondSize), secondSize, $"a log cannot shrink from {firstSize} to {secondSize}");
        await EnsureWithinLogAsync(secondSize, cancellationToken);
        var path = await HashRangesAsync(TreeMath.ConsistencyRanges(firstSize, secondSize), cancellationToken);
        return new ConsistencyProof(firstSize, secondSize, path);
    }

    private async ValueTask EnsureWithinLogAsync(long size, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        var current = await store.GetLeafCountAsync(cancellationToken);
        if (size > current)
            throw new ArgumentOutOfRangeException(nameof(size), size, $"the log has only {current} leaves");
    }

    // Fetches the stored subtrees of all ranges in one batch, then folds each range to its MTH.
    private async ValueTask<MerkleHash[]> HashRangesAsync(List<(long Start, long Count)> ranges, CancellationToken cancellationToken)
    {
        var ids = new List<MerkleNodeId>();
        var ends = new int[ranges.Count];
        for (var i = 0; i < ranges.Count; i++)
        {
            TreeMath.Decompose(ranges[i].Start, ranges[i].Count, ids);
            ends[i] = ids.Count;
        }
        var hashes = ids.Count == 0 ? [] : (await store.GetAsync(ids, cancellationToken)).ToArray();
        var result = new MerkleHash[ranges.Count];
        for (int i = 0, from = 0; i < ranges.Count; from = ends[i], i++)
            result[i] = TreeMath.FoldRange(hashes.AsSpan(from, ends[i] - from));
        return result;
    }
}
