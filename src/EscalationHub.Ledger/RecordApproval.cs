using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace EscalationHub.Ledger;

/// <summary>
/// "Signed by both parties": an agency's ECDSA P-256 signature over a ledger entry's leaf hash.
/// The agency code is inside the signed bytes, so an approval cannot be re-labelled as another
/// agency's. Approvals are recorded as ledger entries of their own, with
/// <see cref="ToPayloadBytes"/> as the payload.
/// </summary>
public sealed record RecordApproval
{
    public const string EntryType = "record.approved";

    private const byte PayloadVersion = 1;
    private const int SignatureMaxBytes = 80;
    private static readonly byte[] Context = Encoding.ASCII.GetBytes("EscalationHub.RecordApproval.v1\0");
    private readonly byte[] signature;

    public RecordApproval(MerkleHash leafHash, string agencyCode, ReadOnlySpan<byte> signature)
    {
        ArgumentNullException.ThrowIfNull(leafHash);
        ArgumentException.ThrowIfNullOrEmpty(agencyCode);
        if (agencyCode.Length > LedgerEntry.MaxAgencyCodeLength || !agencyCode.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_'))
            throw new ArgumentException($"the agency code \"{agencyCode}\" may contain only up to {LedgerEntry.MaxAgencyCodeLength} letters, digits, '.', '-' or '_'", nameof(agencyCode));
        if (signature.Length > SignatureMaxBytes)
            throw new ArgumentException("that is not a P-256 signature", nameof(signature));
        LeafHash = leafHash;
        AgencyCode = agencyCode;
        this.signature = signature.ToArray();
    }

    /// <summary>The leaf hash of the approved entry.</summary>
    public MerkleHash LeafHash { get; }

    public string AgencyCode { get; }

    public ReadOnlyMemory<byte> Signature => signature;

    public static RecordApproval Sign(MerkleHash leafHash, string agencyCode, ECDsa agencyKey)
    {
        var unsigned = new RecordApproval(leafHash, agencyCode, []);
        return new RecordApproval(leafHash, agencyCode, LedgerKeys.Sign(LedgerKeys.EnsureP256(agencyKey), unsigned.ToBeSigned()));
    }

    /// <summary>ASCII "EscalationHub.RecordApproval.v1" and a zero byte, u16 agency code length, the code, then the 32-byte leaf hash.</summary>
    public byte[] ToBeSigned()
    {
        var agency = Encoding.ASCII.GetBytes(AgencyCode);
        var bytes = new byte[Context.Length + 2 + agency.Length + MerkleHash.Length];
        Context.CopyTo(bytes, 0);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(Context.Length), (ushort)agency.Length);
        agency.CopyTo(bytes, Context.Length + 2);
        LeafHash.Span.CopyTo(bytes.AsSpan(Context.Length + 2 + agency.Length));
        return bytes;
    }

    /// <summary>True when the agency's key signed this entry hash under this agency code.</summary>
    public bool Verify(ECDsa agencyPublicKey) => LedgerKeys.Verify(LedgerKeys.EnsureP256(agencyPublicKey), ToBeSigned(), signature);

    /// <summary>Payload of a <see cref="EntryType"/> entry: 0x01, the 32-byte leaf hash, u16 + agency code, u16 + DER signature.</summary>
    public byte[] ToPayloadBytes()
    {
        var agency = Encoding.ASCII.GetBytes(AgencyCode);
        var bytes = new byte[1 + MerkleHash.Length + 2 + agency.Length + 2 + signature.Length];
        var span = bytes.AsSpan();
        span[0] = PayloadVersion;
        LeafHash.Span.CopyTo(span[1..]);
        span = span[(1 + MerkleHash.Length)..];
        BinaryPrimitives.WriteUInt16BigEndian(span, (ushort)agency.Length);
        agency.CopyTo(span[2..]);
        span = span[(2 + agency.Length)..];
        BinaryPrimitives.WriteUInt16BigEndian(span, (ushort)signature.Length);
        signature.CopyTo(span[2..]);
        return bytes;
    }

    public static RecordApproval ParsePayload(ReadOnlySpan<byte> bytes)
    {
        try
        {
            if (bytes[0] != PayloadVersion) throw new FormatException($"approval payload version {bytes[0]} is not supported");
            var leaf = MerkleHash.FromBytes(bytes.Slice(1, MerkleHash.Length));
            var rest = bytes[(1 + MerkleHash.Length)..];
            var agencyLength = BinaryPrimitives.ReadUInt16BigEndian(rest);
            var agency = Encoding.ASCII.GetString(rest.Slice(2, agencyLength));
            rest = rest[(2 + agencyLength)..];
            var signatureLength = BinaryPrimitives.ReadUInt16BigEndian(rest);
            if (rest.Length != 2 + signatureLength) throw new FormatException("the signature length does not match the bytes");
            var approval = new RecordApproval(leaf, agency, rest[2..]);
            // Belt and braces: an approval payload, like an entry, has exactly one spelling.
            if (!approval.ToPayloadBytes().AsSpan().SequenceEqual(bytes)) throw new FormatException("not a canonical approval payload");
            return approval;
        }
        catch (Exception e) when (e is ArgumentException or IndexOutOfRangeException or ArgumentOutOfRangeException)
        {
            throw new FormatException($"not an approval payload: {e.Message}", e);
        }
    }

    public bool Equals(RecordApproval? other) =>
        other is not null && LeafHash == other.LeafHash && AgencyCode == other.AgencyCode && signature.AsSpan().SequenceEqual(other.signature);

    public override int GetHashCode() => HashCode.Combine(LeafHash, AgencyCode);
}
