namespace EscalationHub.Ledger;

/// <summary>
/// A perfect subtree of the log: the 2^<see cref="Level"/> leaves starting at leaf
/// <see cref="Index"/> × 2^<see cref="Level"/>. Level 0 nodes are the leaves themselves.
/// </summary>
public readonly record struct MerkleNodeId(int Level, long Index)
{
    public long FirstLeaf => Index << Level;

    public long LeafCount => 1L << Level;

    public override string ToString() => $"({Level}, {Index})";
}

/// <summary>A stored node: the hash of a completed perfect subtree.</summary>
public readonly record struct MerkleNode(MerkleNodeId Id, MerkleHash Hash);
