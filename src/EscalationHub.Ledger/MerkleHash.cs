using System.Security.Cryptography;

namespace EscalationHub.Ledger;

/// <summary>A SHA-256 value in the tree: a leaf hash, a node hash or a root. Immutable, compared by value.</summary>
public sealed class MerkleHash : IEquatable<MerkleHash>
{
    public const int Length = SHA256.HashSizeInBytes;

    private readonly byte[] bytes;

    private MerkleHash(byte[] owned) => bytes = owned;

    /// <summary>Copies a 32-byte hash.</summary>
    public static MerkleHash FromBytes(ReadOnlySpan<byte> value)
    {
        if (value.Length != Length)
            throw new ArgumentException($"a hash is {Length} bytes, got {value.Length}", nameof(value));
        return new MerkleHash(value.ToArray());
    }

    public static MerkleHash FromHex(string hex) => FromBytes(Convert.FromHexString(hex));

    // Only for arrays this assembly has just produced and never shares, to avoid a copy per node hash.
    internal static MerkleHash Own(byte[] value) => new(value);

    public ReadOnlySpan<byte> Span => bytes;

    public byte[] ToArray() => (byte[])bytes.Clone();

    public string ToHex() => Convert.ToHexStringLower(bytes);

    public override string ToString() => ToHex();

    public bool Equals(MerkleHash? other) =>
        other is not null && CryptographicOperations.FixedTimeEquals(bytes, other.bytes);

    public override bool Equals(object? obj) => Equals(obj as MerkleHash);

    public override int GetHashCode() => BitConverter.ToInt32(bytes, 0);

    public static bool operator ==(MerkleHash? left, MerkleHash? right) =>
        left is null ? right is null : left.Equals(right);

    public static bool operator !=(MerkleHash? left, MerkleHash? right) => !(left == right);
}
