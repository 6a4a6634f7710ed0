namespace EscalationHub.Ledger.Tests;

/// <summary>
/// RFC 6962 section 2.1 transcribed literally (recursive, O(n) per call) over leaf hashes:
/// the oracle the incremental log is checked against.
/// </summary>
public static class Rfc6962Reference
{
    private static int K(int n)
    {
        var k = 1;
        while (k * 2 < n) k *= 2;
        return k;
    }

    public static MerkleHash Mth(IReadOnlyList<MerkleHash> d) => Mth(d, 0, d.Count);

    private static MerkleHash Mth(IReadOnlyList<MerkleHash> d, int start, int n)
    {
        if (n == 0) return TreeHasher.EmptyRoot;
        if (n == 1) return d[start];
        var k = K(n);
        return TreeHasher.HashChildren(Mth(d, start, k), Mth(d, start + k, n - k));
    }

    public static List<MerkleHash> Path(int m, IReadOnlyList<MerkleHash> d) => Path(m, d, 0, d.Count);

    private static List<MerkleHash> Path(int m, IReadOnlyList<MerkleHash> d, int start, int n)
    {
        if (n == 1) return [];
        var k = K(n);
        return m < k
            ? [.. Path(m, d, start, k), Mth(d, start + k, n - k)]
            : [.. Path(m - k, d, start + k, n - k), Mth(d, start, k)];
    }

    public static List<MerkleHash> Proof(int m, IReadOnlyList<MerkleHash> d) =>
        m == 0 || m == d.Count ? [] : SubProof(m, d, 0, d.Count, true);

    private static List<MerkleHash> SubProof(int m, IReadOnlyList<MerkleHash> d, int start, int n, bool b)
    {
        if (m == n) return b ? [] : [Mth(d, start, n)];
        var k = K(n);
        return m <= k
            ? [.. SubProof(m, d, start, k, b), Mth(d, start + k, n - k)]
            : [.. SubProof(m - k, d, start + k, n - k, false), Mth(d, start, k)];
    }
}
