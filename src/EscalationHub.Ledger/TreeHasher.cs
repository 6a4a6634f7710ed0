using System.Security.Cryptography;

namespace EscalationHub.Ledger;

/// <summary>
/// RFC 9162 section 2.1.1 hashing (the same tree as RFC 6962): the 0x00 and 0x01 prefixes keep a
/// leaf from ever being confused with an interior node (second-preimage resistance).
/// </summary>
public static class TreeHasher
{
    private const byte LeafPrefix = 0x00;
    private const byte NodePrefix = 0x01;

    /// <summary>MTH({}) = SHA-256 of the empty string.</summary>
    public static MerkleHash EmptyRoot { get; } = MerkleHash.Own(SHA256.HashData(ReadOnlySpan<byte>.Empty));

    /// <summary>SHA-256(0x00 || entry bytes).</summary>
    public static MerkleHash HashLeaf(ReadOnlySpan<byte> entryBytes)
    {
        // Most entries are small: one stack copy is cheaper than an incremental hash object per leaf
        // when a verifier streams a million of them.
        if (entryBytes.Length < StackLimit)
        {
            Span<byte> input = stackalloc byte[entryBytes.Length + 1];
            input[0] = LeafPrefix;
            entryBytes.CopyTo(input[1..]);
            return MerkleHash.Own(SHA256.HashData(input));
        }
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData([LeafPrefix]);
        sha.AppendData(entryBytes);
        return MerkleHash.Own(sha.GetHashAndReset());
    }

    private const int StackLimit = 4096;

    /// <summary>SHA-256(0x01 || left || right) into <paramref name="destination"/> (32 bytes; may alias either input):
    /// the allocation-free form proof verification folds with.</summary>
    internal static void HashChildren(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right, Span<byte> destination)
    {
        Span<byte> input = stackalloc byte[1 + 2 * MerkleHash.Length];
        input[0] = NodePrefix;
        left.CopyTo(input[1..]);
        right.CopyTo(input[(1 + MerkleHash.Length)..]);
        // A reused hash object per thread skips creating a digest context per node: about a quarter less time per
        // hash, which is most of the cost of verifying a proof.
        var sha = nodeHasher ??= IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(input);
        sha.GetHashAndReset(destination);
    }

    [ThreadStatic]
    private static IncrementalHash? nodeHasher;

    /// <summary>SHA-256(0x01 || left || right).</summary>
    public static MerkleHash HashChildren(MerkleHash left, MerkleHash right)
    {
        var hash = new byte[MerkleHash.Length];
        HashChildren(left.Span, right.Span, hash);
        return MerkleHash.Own(hash);
    }
}
