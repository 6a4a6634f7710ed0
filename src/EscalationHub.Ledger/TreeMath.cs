using System.Numerics;

namespace EscalationHub.Ledger;

/// <summary>
/// Index arithmetic for RFC 6962 section 2.1. Every subtree the RFC recursion visits is a range
/// [start, start + n) whose start is a multiple of the smallest power of two ≥ n, so each range
/// splits into at most 63 stored perfect subtrees: that is what makes roots and proofs O(log n).
/// </summary>
internal static class TreeMath
{
    /// <summary>The largest power of two smaller than n (n ≥ 2): the RFC's k.</summary>
    public static long SplitPoint(long n) => 1L << (63 - BitOperations.LeadingZeroCount((ulong)(n - 1)));

    /// <summary>The perfect subtrees that make up [start, start + count), largest (leftmost) first.</summary>
    public static void Decompose(long start, long count, List<MerkleNodeId> into)
    {
        var position = start;
        for (var level = 63 - BitOperations.LeadingZeroCount((ulong)count); level >= 0; level--)
        {
            if ((count & (1L << level)) == 0) continue;
            into.Add(new MerkleNodeId(level, position >> level));
            position += 1L << level;
        }
    }

    /// <summary>MTH of a range from its decomposition: the RFC splits off the largest perfect subtree on the left, so fold from the right.</summary>
    public static MerkleHash FoldRange(ReadOnlySpan<MerkleHash> decomposition)
    {
        var hash = decomposition[^1];
        for (var i = decomposition.Length - 2; i >= 0; i--)
            hash = TreeHasher.HashChildren(decomposition[i], hash);
        return hash;
    }

    /// <summary>The ranges whose MTHs form PATH(m, D[n]) (RFC 6962 2.1.1), in proof order (leaf upwards).</summary>
    public static List<(long Start, long Count)> InclusionRanges(long index, long size)
    {
        var ranges = new List<(long, long)>();
        long start = 0, n = size, m = index;
        while (n > 1)
        {
            var k = SplitPoint(n);
            if (m < k)
            {
                ranges.Add((start + k, n - k));
                n = k;
            }
            else
            {
                ranges.Add((start, k));
                start += k;
                m -= k;
                n -= k;
            }
        }
        // The recursion appends each sibling after the deeper path, so the deepest comes first.
        ranges.Reverse();
        return ranges;
    }

    /// <summary>The ranges whose MTHs form PROOF(m, D[n]) = SUBPROOF(m, D[n], true) (RFC 6962 2.1.2), in proof order.</summary>
    public static List<(long Start, long Count)> ConsistencyRanges(long size1, long size2)
    {
        var ranges = new List<(long, long)>();
        if (size1 == 0 || size1 == size2) return ranges;
        long start = 0, n = size2, m = size1;
        var completeSubtree = true;
        while (true)
        {
            if (m == n)
            {
                if (!completeSubtree) ranges.Add((start, n));
                break;
            }
            var k = SplitPoint(n);
            if (m <= k)
            {
                ranges.Add((start + k, n - k));
                n = k;
            }
            else
            {
                ranges.Add((start, k));
                start += k;
                m -= k;
                n -= k;
                completeSubtree = false;
            }
        }
        ranges.Reverse();
        return ranges;
    }
}
