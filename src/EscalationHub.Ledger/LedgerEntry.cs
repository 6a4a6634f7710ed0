using System.Buffers.Binary;
using System.Text;

namespace EscalationHub.Ledger;

/// <summary>
/// One record in the joint child file: what happened, to which child file (and usually which
/// case), who recorded it and when. Its canonical bytes are what the tree hashes, so two agencies
/// holding the same entry hold byte-identical bytes. The format is documented in README.md
/// next to this file; <see cref="Parse"/> accepts exactly the bytes <see cref="ToCanonicalBytes"/>
/// produces, so an accepted entry always re-encodes to the bytes that were hashed.
/// </summary>
public sealed class LedgerEntry : IEquatable<LedgerEntry>
{
    public const byte FormatVersion = 1;
    public const int MaxIdLength = 64;
    public const int MaxEntryTypeLength = 64;
    public const int MaxAgencyCodeLength = 64;
    public const int MaxRoleBytes = 400; // the contract allows 100 characters; 400 bytes holds any 100 of them
    public const int MaxPayloadBytes = 1 << 20;

    // Strict: invalid UTF-8 would not survive a decode/encode round trip.
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly byte[] payload;
    private readonly byte[] canonical;

    public LedgerEntry(
        string childFileId,
        string? caseId,
        string entryType,
        string authorAgencyCode,
        string authorRole,
        DateTimeOffset occurredAt,
        DateTimeOffset recordedAt,
        ReadOnlySpan<byte> payload)
    {
        ValidateCode(childFileId, MaxIdLength, IsIdChar, "child file id", IdAlphabet, nameof(childFileId));
        if (caseId is not null)
            ValidateCode(caseId, MaxIdLength, IsIdChar, "case id", IdAlphabet, nameof(caseId));
        ValidateCode(entryType, MaxEntryTypeLength, IsEntryTypeChar, "entry type", "lower-case letters, digits, '.', '-' or '_'", nameof(entryType));
        ValidateCode(authorAgencyCode, MaxAgencyCodeLength, IsAgencyCodeChar, "agency code", "letters, digits, '.', '-' or '_'", nameof(authorAgencyCode));
        ValidateRole(authorRole);
        if (payload.Length > MaxPayloadBytes)
            throw new ArgumentException($"the payload is {payload.Length} bytes; at most {MaxPayloadBytes} are allowed", nameof(payload));

        ChildFileId = childFileId;
        CaseId = caseId;
        EntryType = entryType;
        AuthorAgencyCode = authorAgencyCode;
        AuthorRole = authorRole;
        OccurredAt = occurredAt.ToUniversalTime();
        RecordedAt = recordedAt.ToUniversalTime();
        this.payload = payload.ToArray();
        canonical = Encode();
        LeafHash = TreeHasher.HashLeaf(canonical);
    }

    /// <summary>The hub's opaque id for the child file, e.g. "CF-4KQ7ZP2M"; case-sensitive, hashed as given.</summary>
    public string ChildFileId { get; }

    /// <summary>The disagreement or concern this entry belongs to (its opaque id); null for entries about the child file as a whole.</summary>
    public string? CaseId { get; }

    /// <summary>A dotted code such as "disagreement.escalated"; the domain owns the vocabulary.</summary>
    public string EntryType { get; }

    public string AuthorAgencyCode { get; }

    /// <summary>Hashed exactly as given (no Unicode normalisation), so producers should send NFC text.</summary>
    public string AuthorRole { get; }

    /// <summary>When it happened (a phone call, a meeting), in UTC, to 100 ns.</summary>
    public DateTimeOffset OccurredAt { get; }

    /// <summary>When the hub recorded it, in UTC, to 100 ns.</summary>
    public DateTimeOffset RecordedAt { get; }

    /// <summary>The entry's canonical payload; its format belongs to the entry type.</summary>
    public ReadOnlyMemory<byte> Payload => payload;

    /// <summary>SHA-256(0x00 || canonical bytes): the entry's leaf in the tree.</summary>
    public MerkleHash LeafHash { get; }

    public byte[] ToCanonicalBytes() => (byte[])canonical.Clone();

    /// <summary>Decodes canonical bytes; throws <see cref="FormatException"/> saying what is wrong.</summary>
    public static LedgerEntry Parse(ReadOnlySpan<byte> bytes) =>
        TryParse(bytes, out var entry, out var error) ? entry : throw new FormatException($"not a canonical ledger entry: {error}");

    public static bool TryParse(ReadOnlySpan<byte> bytes, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out LedgerEntry? entry, out string error)
    {
        entry = null;
        var reader = new Reader(bytes);
        try
        {
            var version = reader.Byte("format version");
            if (version != FormatVersion)
            {
                error = $"format version {version} is not supported (expected {FormatVersion})";
                return false;
            }
            var childFileId = reader.Text("child file id");
            var caseFlag = reader.Byte("case id flag");
            var caseId = caseFlag switch
            {
                0 => null,
                1 => reader.Text("case id"),
                _ => throw new FormatException($"case id flag must be 0 or 1, not {caseFlag}"),
            };
            var entryType = reader.Text("entry type");
            var agency = reader.Text("author agency code");
            var role = reader.Text("author role");
            var occurredAt = reader.Timestamp("occurred-at");
            var recordedAt = reader.Timestamp("recorded-at");
            var payload = reader.Payload();
            if (!reader.AtEnd)
            {
                error = $"{reader.Remaining} bytes follow the payload";
                return false;
            }
            entry = new LedgerEntry(childFileId, caseId, entryType, agency, role, occurredAt, recordedAt, payload);
            error = "";
            return true;
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            error = e.Message;
            return false;
        }
    }

    public bool Equals(LedgerEntry? other) => other is not null && canonical.AsSpan().SequenceEqual(other.canonical);

    public override bool Equals(object? obj) => Equals(obj as LedgerEntry);

    public override int GetHashCode() => LeafHash.GetHashCode();

    public override string ToString() =>
        $"{EntryType} by {AuthorAgencyCode} ({AuthorRole}) on child file {ChildFileId}{(CaseId is { } c ? $", case {c}" : "")} at {RecordedAt:O}";

    private byte[] Encode()
    {
        var childFile = Encoding.ASCII.GetBytes(ChildFileId);
        var caseId = CaseId is null ? null : Encoding.ASCII.GetBytes(CaseId);
        var type = Encoding.ASCII.GetBytes(EntryType);
        var agency = Encoding.ASCII.GetBytes(AuthorAgencyCode);
        var role = Utf8.GetBytes(AuthorRole);
        var length = 1 + 2 + childFile.Length + 1 + (caseId is null ? 0 : 2 + caseId.Length)
            + 2 + type.Length + 2 + agency.Length + 2 + role.Length + 8 + 8 + 4 + payload.Length;
        var bytes = new byte[length];
        var span = bytes.AsSpan();
        span[0] = FormatVersion;
        span = span[1..];
        WriteText(ref span, childFile);
        span[0] = caseId is null ? (byte)0 : (byte)1;
        span = span[1..];
        if (caseId is not null) WriteText(ref span, caseId);
        WriteText(ref span, type);
        WriteText(ref span, agency);
        WriteText(ref span, role);
        BinaryPrimitives.WriteInt64BigEndian(span, UnixTicks(OccurredAt));
        BinaryPrimitives.WriteInt64BigEndian(span[8..], UnixTicks(RecordedAt));
        BinaryPrimitives.WriteUInt32BigEndian(span[16..], (uint)payload.Length);
        payload.CopyTo(span[20..]);
        return bytes;
    }

    private static void WriteText(ref Span<byte> span, byte[] text)
    {
        BinaryPrimitives.WriteUInt16BigEndian(span, (ushort)text.Length);
        text.CopyTo(span[2..]);
        span = span[(2 + text.Length)..];
    }

    private static long UnixTicks(DateTimeOffset t) => t.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;

    private const string IdAlphabet = "letters, digits, '.', ':', '-' or '_'";

    private static bool IsIdChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '.' or ':' or '-' or '_';

    private static bool IsEntryTypeChar(char c) => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '.' or '-' or '_';

    private static bool IsAgencyCodeChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_';

    private static void ValidateCode(string value, int maxLength, Func<char, bool> allowed, string what, string alphabet, string parameter)
    {
        ArgumentNullException.ThrowIfNull(value, parameter);
        if (value.Length == 0 || value.Length > maxLength)
            throw new ArgumentException($"the {what} must be 1 to {maxLength} characters, not {value.Length}", parameter);
        if (!value.All(allowed))
            throw new ArgumentException($"the {what} \"{value}\" may contain only {alphabet}", parameter);
    }

    private static void ValidateRole(string role)
    {
        ArgumentNullException.ThrowIfNull(role, nameof(role));
        if (role.Length == 0 || role.Trim().Length != role.Length)
            throw new ArgumentException("the author role is required and must not start or end with white space", nameof(role));
        if (role.Any(char.IsControl))
            throw new ArgumentException("the author role must not contain control characters", nameof(role));
        int bytes;
        try
        {
            bytes = Utf8.GetByteCount(role);
        }
        catch (EncoderFallbackException)
        {
            throw new ArgumentException("the author role is not valid Unicode text", nameof(role));
        }
        if (bytes > MaxRoleBytes)
            throw new ArgumentException($"the author role is {bytes} UTF-8 bytes; at most {MaxRoleBytes} are allowed", nameof(role));
    }

    private ref struct Reader(ReadOnlySpan<byte> bytes)
    {
        private ReadOnlySpan<byte> rest = bytes;

        public readonly bool AtEnd => rest.IsEmpty;

        public readonly int Remaining => rest.Length;

        private ReadOnlySpan<byte> Take(int count, string field)
        {
            if (rest.Length < count)
                throw new FormatException($"the bytes end inside the {field}");
            var taken = rest[..count];
            rest = rest[count..];
            return taken;
        }

        public byte Byte(string field) => Take(1, field)[0];

        public string Text(string field)
        {
            var length = BinaryPrimitives.ReadUInt16BigEndian(Take(2, field));
            try
            {
                return Utf8.GetString(Take(length, field));
            }
            catch (DecoderFallbackException)
            {
                throw new FormatException($"the {field} is not valid UTF-8");
            }
        }

        public DateTimeOffset Timestamp(string field)
        {
            var ticks = BinaryPrimitives.ReadInt64BigEndian(Take(8, field));
            var epoch = DateTimeOffset.UnixEpoch.UtcTicks;
            if (ticks < DateTimeOffset.MinValue.UtcTicks - epoch || ticks > DateTimeOffset.MaxValue.UtcTicks - epoch)
                throw new FormatException($"the {field} is outside the representable range");
            return new DateTimeOffset(epoch + ticks, TimeSpan.Zero);
        }

        public ReadOnlySpan<byte> Payload()
        {
            var length = BinaryPrimitives.ReadUInt32BigEndian(Take(4, "payload length"));
            if (length > MaxPayloadBytes)
                throw new FormatException($"the payload is {length} bytes; at most {MaxPayloadBytes} are allowed");
            return Take((int)length, "payload");
        }
    }
}
