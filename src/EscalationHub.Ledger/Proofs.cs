namespace EscalationHub.Ledger;

/// <summary>An inclusion proof: the audit path of RFC 9162 section 2.1.3.1 for one leaf in a tree of a given size.</summary>
public sealed record InclusionProof(long LeafIndex, long TreeSize, IReadOnlyList<MerkleHash> Path)
{
    public bool Verify(MerkleHash leafHash, MerkleHash rootHash) =>
        ProofVerifier.VerifyInclusion(LeafIndex, TreeSize, leafHash, Path, rootHash);

    /// <summary>
    /// Checks the proof against a tree head of the same size. The head's signature is not checked
    /// here: verify it once when the head arrives (<see cref="SignedTreeHead.VerifySignature"/>).
    /// </summary>
    public bool VerifyAgainst(MerkleHash leafHash, SignedTreeHead head) =>
        head.TreeSize == TreeSize && Verify(leafHash, head.RootHash);
}

/// <summary>A consistency proof between two sizes of the log (RFC 9162 section 2.1.4.1): the first tree is a prefix of the second.</summary>
public sealed record ConsistencyProof(long FirstSize, long SecondSize, IReadOnlyList<MerkleHash> Path)
{
    public bool Verify(MerkleHash firstRoot, MerkleHash secondRoot) =>
        ProofVerifier.VerifyConsistency(FirstSize, SecondSize, Path, firstRoot, secondRoot);

    /// <summary>
    /// Checks that <paramref name="newer"/> only appended to <paramref name="older"/>. The heads'
    /// signatures are not checked here: verify each once when it arrives.
    /// </summary>
    public bool VerifyAgainst(SignedTreeHead older, SignedTreeHead newer) =>
        older.TreeSize == FirstSize && newer.TreeSize == SecondSize && Verify(older.RootHash, newer.RootHash);
}
