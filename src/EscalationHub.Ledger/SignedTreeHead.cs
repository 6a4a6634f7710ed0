using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace EscalationHub.Ledger;

/// <summary>
/// The hub's signed statement "the log had <see cref="TreeSize"/> entries with this root at this
/// time". The signature is ECDSA P-256 with SHA-256, DER-encoded (RFC 3279), over
/// <see cref="ToBeSigned"/>. Adapters check inclusion proofs against it and consistency between
/// successive heads.
/// </summary>
public sealed record SignedTreeHead
{
    private const int SignatureMaxBytes = 80; // a DER P-256 signature is at most 72 bytes
    private static readonly byte[] Context = Encoding.ASCII.GetBytes("EscalationHub.TreeHead.v1\0");
    private readonly byte[] signature;

    public SignedTreeHead(long treeSize, MerkleHash rootHash, DateTimeOffset timestamp, ReadOnlySpan<byte> signature)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(treeSize);
        ArgumentNullException.ThrowIfNull(rootHash);
        TreeSize = treeSize;
        RootHash = rootHash;
        Timestamp = timestamp.ToUniversalTime();
        this.signature = signature.ToArray();
    }

    public long TreeSize { get; }

    public MerkleHash RootHash { get; }

    /// <summary>When the hub signed it, in UTC, to 100 ns.</summary>
    public DateTimeOffset Timestamp { get; }

    public ReadOnlyMemory<byte> Signature => signature;

    /// <summary>Signs a tree head with the hub's private key.</summary>
    public static SignedTreeHead Create(long treeSize, MerkleHash rootHash, DateTimeOffset timestamp, ECDsa hubKey)
    {
        var unsigned = new SignedTreeHead(treeSize, rootHash, timestamp, []);
        return new SignedTreeHead(treeSize, rootHash, timestamp, LedgerKeys.Sign(LedgerKeys.EnsureP256(hubKey), unsigned.ToBeSigned()));
    }

    /// <summary>
    /// Version 1: ASCII "EscalationHub.TreeHead.v1" and a zero byte (so no other signed structure
    /// can be mistaken for a tree head), u64 tree size, the 32-byte root, then i64 100 ns ticks
    /// since 1970-01-01T00:00:00Z; integers big-endian.
    /// </summary>
    public byte[] ToBeSigned()
    {
        var bytes = new byte[Context.Length + 8 + MerkleHash.Length + 8];
        var span = bytes.AsSpan();
        Context.CopyTo(span);
        span = span[Context.Length..];
        BinaryPrimitives.WriteUInt64BigEndian(span, (ulong)TreeSize);
        RootHash.Span.CopyTo(span[8..]);
        BinaryPrimitives.WriteInt64BigEndian(span[(8 + MerkleHash.Length)..], Timestamp.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks);
        return bytes;
    }

    public bool VerifySignature(ECDsa hubPublicKey) => LedgerKeys.Verify(LedgerKeys.EnsureP256(hubPublicKey), ToBeSigned(), signature);

    /// <summary>For files and the CLI: the to-be-signed bytes, then u16 signature length and the signature.</summary>
    public byte[] ToBytes()
    {
        var tbs = ToBeSigned();
        var bytes = new byte[tbs.Length + 2 + signature.Length];
        tbs.CopyTo(bytes, 0);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(tbs.Length), (ushort)signature.Length);
        signature.CopyTo(bytes, tbs.Length + 2);
        return bytes;
    }

    public static SignedTreeHead Parse(ReadOnlySpan<byte> bytes)
    {
        var fixedLength = Context.Length + 8 + MerkleHash.Length + 8;
        if (bytes.Length < fixedLength + 2 || !bytes.StartsWith(Context))
            throw new FormatException("not a version 1 signed tree head");
        var span = bytes[Context.Length..];
        var size = BinaryPrimitives.ReadUInt64BigEndian(span);
        if (size > long.MaxValue) throw new FormatException("the tree size is out of range");
        var root = MerkleHash.FromBytes(span.Slice(8, MerkleHash.Length));
        var ticks = BinaryPrimitives.ReadInt64BigEndian(span[(8 + MerkleHash.Length)..]);
        var epoch = DateTimeOffset.UnixEpoch.UtcTicks;
        if (ticks < DateTimeOffset.MinValue.UtcTicks - epoch || ticks > DateTimeOffset.MaxValue.UtcTicks - epoch)
            throw new FormatException("the timestamp is out of range");
        var signatureLength = BinaryPrimitives.ReadUInt16BigEndian(bytes[fixedLength..]);
        if (signatureLength > SignatureMaxBytes || bytes.Length != fixedLength + 2 + signatureLength)
            throw new FormatException("the signature length does not match the bytes");
        return new SignedTreeHead((long)size, root, new DateTimeOffset(epoch + ticks, TimeSpan.Zero), bytes[(fixedLength + 2)..]);
    }

    public bool Equals(SignedTreeHead? other) =>
        other is not null && TreeSize == other.TreeSize && RootHash == other.RootHash &&
        Timestamp == other.Timestamp && signature.AsSpan().SequenceEqual(other.signature);

    public override int GetHashCode() => HashCode.Combine(TreeSize, RootHash, Timestamp);

    public override string ToString() => $"tree head: {TreeSize} entries, root {RootHash}, signed {Timestamp:O}";
}

/// <summary>Signs tree heads with the hub's key, stamped from the <see cref="TimeProvider"/>.</summary>
public sealed class TreeHeadSigner(ECDsa hubKey, TimeProvider timeProvider)
{
    private readonly ECDsa key = LedgerKeys.EnsureP256(hubKey);

    public MerkleHash KeyId { get; } = LedgerKeys.KeyId(hubKey);

    public SignedTreeHead Sign(long treeSize, MerkleHash rootHash) =>
        SignedTreeHead.Create(treeSize, rootHash, timeProvider.GetUtcNow(), key);
}
