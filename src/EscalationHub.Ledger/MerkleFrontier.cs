namespace EscalationHub.Ledger;

/// <summary>
/// The right edge of a growing tree: one hash per perfect subtree of [0, size), at most 63 of them.
/// Appending a leaf merges equal-sized subtrees like a binary counter carry, so it costs O(log n)
/// time and the frontier is O(log n) memory however long the log grows.
/// </summary>
public sealed class MerkleFrontier
{
    // Largest (leftmost) subtree first; levels strictly decrease.
    private readonly List<MerkleNode> subtrees = [];

    public MerkleFrontier()
    {
    }

    /// <summary>Resumes from the perfect subtrees of a tree of <paramref name="size"/> leaves, leftmost first.</summary>
    public MerkleFrontier(long size, IReadOnlyList<MerkleHash> subtreeHashes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        var ids = new List<MerkleNodeId>();
        TreeMath.Decompose(0, size, ids);
        if (ids.Count != subtreeHashes.Count)
            throw new ArgumentException($"a tree of {size} leaves has {ids.Count} perfect subtrees, got {subtreeHashes.Count}", nameof(subtreeHashes));
        for (var i = 0; i < ids.Count; i++)
            subtrees.Add(new MerkleNode(ids[i], subtreeHashes[i]));
        Size = size;
    }

    public long Size { get; private set; }

    /// <summary>The nodes whose hashes determine the root: what a log must load to resume appending.</summary>
    public IReadOnlyList<MerkleNode> Subtrees => subtrees;

    /// <summary>MTH of the whole tree so far.</summary>
    public MerkleHash RootHash
    {
        get
        {
            if (subtrees.Count == 0) return TreeHasher.EmptyRoot;
            var hash = subtrees[^1].Hash;
            for (var i = subtrees.Count - 2; i >= 0; i--)
                hash = TreeHasher.HashChildren(subtrees[i].Hash, hash);
            return hash;
        }
    }

    /// <summary>Appends a leaf hash; every perfect subtree this completes (the leaf included) is passed to <paramref name="completed"/>.</summary>
    public void Append(MerkleHash leafHash, Action<MerkleNode>? completed = null)
    {
        var node = new MerkleNode(new MerkleNodeId(0, Size), leafHash);
        completed?.Invoke(node);
        while (subtrees.Count > 0 && subtrees[^1].Id.Level == node.Id.Level)
        {
            var left = subtrees[^1];
            subtrees.RemoveAt(subtrees.Count - 1);
            node = new MerkleNode(
                new MerkleNodeId(node.Id.Level + 1, left.Id.Index >> 1),
                TreeHasher.HashChildren(left.Hash, node.Hash));
            completed?.Invoke(node);
        }
        subtrees.Add(node);
        Size++;
    }
}
