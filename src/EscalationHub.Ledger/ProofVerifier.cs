namespace EscalationHub.Ledger;

/// <summary>
/// The iterative verification algorithms of RFC 9162 sections 2.1.3.2 and 2.1.4.2, step for
/// step. They need only the proof, never the tree, so adapters run them against a signed tree head.
/// </summary>
public static class ProofVerifier
{
    /// <summary>RFC 9162 2.1.3.2: does <paramref name="path"/> prove the leaf is at <paramref name="leafIndex"/> in the tree with this root?</summary>
    public static bool VerifyInclusion(
        long leafIndex, long treeSize, MerkleHash leafHash, IReadOnlyList<MerkleHash> path, MerkleHash rootHash)
    {
        Span<byte> computed = stackalloc byte[MerkleHash.Length];
        return FoldInclusionProof(leafIndex, treeSize, leafHash, path, computed)
            && System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(computed, rootHash.Span);
    }

    /// <summary>The root an inclusion proof implies, or null when the proof cannot belong to a tree of that size.</summary>
    public static MerkleHash? RootFromInclusionProof(
        long leafIndex, long treeSize, MerkleHash leafHash, IReadOnlyList<MerkleHash> path)
    {
        Span<byte> computed = stackalloc byte[MerkleHash.Length];
        return FoldInclusionProof(leafIndex, treeSize, leafHash, path, computed) ? MerkleHash.FromBytes(computed) : null;
    }

    // The running hash lives on the stack: verifying a proof allocates nothing.
    private static bool FoldInclusionProof(
        long leafIndex, long treeSize, MerkleHash leafHash, IReadOnlyList<MerkleHash> path, Span<byte> r)
    {
        // Step 1.
        if (leafIndex < 0 || leafIndex >= treeSize) return false;
        // Steps 2 and 3.
        long fn = leafIndex, sn = treeSize - 1;
        leafHash.Span.CopyTo(r);
        // Step 4.
        for (var i = 0; i < path.Count; i++)
        {
            var p = path[i].Span;
            if (sn == 0) return false;
            if ((fn & 1) == 1 || fn == sn)
            {
                TreeHasher.HashChildren(p, r, r);
                while ((fn & 1) == 0 && fn != 0)
                {
                    fn >>= 1;
                    sn >>= 1;
                }
            }
            else
            {
                TreeHasher.HashChildren(r, p, r);
            }
            fn >>= 1;
            sn >>= 1;
        }
        // Step 5: sn == 0 proves the path was exactly as long as the tree is deep.
        return sn == 0;
    }

    /// <summary>RFC 9162 2.1.4.2: is the tree of <paramref name="firstSize"/> with <paramref name="firstRoot"/> a prefix of the second?</summary>
    public static bool VerifyConsistency(
        long firstSize, long secondSize, IReadOnlyList<MerkleHash> path, MerkleHash firstRoot, MerkleHash secondRoot)
    {
        // The RFC defines proofs only for 0 < first < second; the edge cases have empty proofs.
        if (firstSize < 0 || secondSize < firstSize) return false;
        if (firstSize == secondSize) return path.Count == 0 && firstRoot == secondRoot;
        if (firstSize == 0) return path.Count == 0;
        // Step 1.
        if (path.Count == 0) return false;

        // Step 2: a perfect first tree is itself a node of the second, so it starts the path.
        var isPowerOfTwo = (firstSize & (firstSize - 1)) == 0;
        var start = isPowerOfTwo ? -1 : 0;
        MerkleHash At(int i) => i < 0 ? firstRoot : path[i];

        // Steps 3 and 4.
        long fn = firstSize - 1, sn = secondSize - 1;
        while ((fn & 1) == 1)
        {
            fn >>= 1;
            sn >>= 1;
        }
        // Step 5.
        var fr = At(start);
        var sr = At(start);
        // Step 6.
        for (var i = start + 1; i < path.Count; i++)
        {
            var c = path[i];
            if (sn == 0) return false;
            if ((fn & 1) == 1 || fn == sn)
            {
                fr = TreeHasher.HashChildren(c, fr);
                sr = TreeHasher.HashChildren(c, sr);
                while ((fn & 1) == 0 && fn != 0)
                {
                    fn >>= 1;
                    sn >>= 1;
                }
            }
            else
            {
                sr = TreeHasher.HashChildren(sr, c);
            }
            fn >>= 1;
            sn >>= 1;
        }
        // Step 7.
        return fr == firstRoot && sr == secondRoot && sn == 0;
    }
}
