namespace EscalationHub.Ledger;

/// <summary>
/// Where <see cref="MerkleLog"/> keeps the hash of every completed perfect subtree, keyed by
/// (level, index). Nodes are written once and never change, and each level only grows at its
/// end, so a table with primary key (level, index) is all a database needs.
/// </summary>
/// <remarks>
/// The log serialises its own appends only by reading the size first; the caller must make
/// appends single-writer (the hub appends inside its store transaction). Implementations should
/// refuse a put that does not continue a level densely, which turns a lost race into an error
/// instead of a forked tree.
/// </remarks>
public interface IMerkleNodeStore
{
    /// <summary>The number of leaves (level 0 nodes) stored: the tree size.</summary>
    ValueTask<long> GetLeafCountAsync(CancellationToken cancellationToken = default);

    /// <summary>The hashes of the given nodes, in the order asked; every node must exist. One round trip.</summary>
    ValueTask<IReadOnlyList<MerkleHash>> GetAsync(IReadOnlyList<MerkleNodeId> ids, CancellationToken cancellationToken = default);

    /// <summary>Stores the nodes of one append batch, all or none.</summary>
    ValueTask PutAsync(IReadOnlyList<MerkleNode> nodes, CancellationToken cancellationToken = default);
}
