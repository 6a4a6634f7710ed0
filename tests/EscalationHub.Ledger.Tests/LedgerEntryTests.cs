using System.Text;
using CsCheck;

namespace EscalationHub.Ledger.Tests;

public class LedgerEntryTests
{
    private const string ChildFile = "CF-4KQ7ZP2M";
    private const string Case = "019ab2c4-7e10-7a3b-9c2d-5e6f70819203";

    private static LedgerEntry Sample(string? caseId = null, string role = "Named Nurse", byte[]? payload = null) => new(
        ChildFile, caseId, "disagreement.escalated", "RX1", role,
        new DateTimeOffset(2026, 11, 24, 9, 30, 0, TimeSpan.Zero),
        new DateTimeOffset(2026, 11, 24, 10, 0, 0, TimeSpan.Zero),
        payload ?? "{}"u8.ToArray());

    [Fact]
    public void The_canonical_bytes_follow_the_documented_version_1_layout()
    {
        var expected = Convert.FromHexString(string.Concat(
            "01",                                   // format version
            "000b", Convert.ToHexString("CF-4KQ7ZP2M"u8),  // child file id
            "01", "0024", Convert.ToHexString("019ab2c4-7e10-7a3b-9c2d-5e6f70819203"u8), // case id present, then the id
            "0016", Convert.ToHexString("disagreement.escalated"u8),
            "0003", Convert.ToHexString("RX1"u8),
            "000b", Convert.ToHexString("Named Nurse"u8),
            (new DateTimeOffset(2026, 11, 24, 9, 30, 0, TimeSpan.Zero).UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks).ToString("x16"),
            (new DateTimeOffset(2026, 11, 24, 10, 0, 0, TimeSpan.Zero).UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks).ToString("x16"),
            "00000002", "7b7d"));

        Assert.Equal(expected, Sample(Case).ToCanonicalBytes());
    }

    [Fact]
    public void An_entry_without_a_case_encodes_a_zero_flag_and_no_case_id()
    {
        var bytes = Sample(caseId: null).ToCanonicalBytes();
        Assert.Equal(0, bytes[14]);
        Assert.Equal(0x16, bytes[16]); // the entry type length follows the flag directly
        Assert.Equal(Sample(Case).ToCanonicalBytes().Length - 2 - Case.Length, bytes.Length);
    }

    [Fact]
    public void The_pinned_encoding_and_leaf_hash_of_a_known_entry_never_change()
    {
        // Pinned so an accidental format change cannot slip through: every stored leaf hash depends on it.
        var entry = Sample(Case);
        Assert.Equal(TreeHasher.HashLeaf(entry.ToCanonicalBytes()), entry.LeafHash);
        Assert.Equal(PinnedLeafHashHex, entry.LeafHash.ToHex());
    }

    // Computed independently (Python hashlib over the documented layout).
    private const string PinnedLeafHashHex = "0894929647012a381659ad6cd3531f18a29fed92fac9a43c4553c1c4e3671ef6";

    [Fact]
    public void Times_with_an_offset_are_recorded_as_the_same_instant_in_utc()
    {
        var local = new DateTimeOffset(2026, 7, 1, 11, 0, 0, TimeSpan.FromHours(1));
        var entry = new LedgerEntry(ChildFile, null, "concern.raised", "RX1", "Nurse", local, local, []);
        Assert.Equal(TimeSpan.Zero, entry.RecordedAt.Offset);
        Assert.Equal(new DateTimeOffset(2026, 7, 1, 10, 0, 0, TimeSpan.Zero), entry.RecordedAt);
        Assert.Equal(entry, new LedgerEntry(ChildFile, null, "concern.raised", "RX1", "Nurse", local.ToUniversalTime(), local.ToUniversalTime(), []));
    }

    private static readonly Gen<string> GenRole =
        Gen.String[Gen.Char["abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ 'éŵŷ-’"], 1, 80]
            .Where(s => s.Trim() == s && s.Length > 0);

    private static readonly Gen<string> GenId =
        Gen.String[Gen.Char["ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.:-_"], 1, 64];

    private static readonly Gen<LedgerEntry> GenEntry =
        from child in GenId
        from hasCase in Gen.Bool
        from caseId in GenId
        from type in Gen.String[Gen.Char["abcdefghijklmnopqrstuvwxyz0123456789.-_"], 1, 64]
        from agency in Gen.String[Gen.Char["ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-_"], 1, 64]
        from role in GenRole
        from occurred in Gen.Long[DateTimeOffset.MinValue.UtcTicks, DateTimeOffset.MaxValue.UtcTicks]
        from recorded in Gen.Long[DateTimeOffset.MinValue.UtcTicks, DateTimeOffset.MaxValue.UtcTicks]
        from payload in Gen.Byte.Array[0, 300]
        select new LedgerEntry(child, hasCase ? caseId : null, type, agency, role,
            new DateTimeOffset(occurred, TimeSpan.Zero), new DateTimeOffset(recorded, TimeSpan.Zero), payload);

    [Fact]
    public void Parsing_canonical_bytes_gives_back_the_same_entry_and_the_same_bytes()
    {
        GenEntry.Sample(entry =>
        {
            var bytes = entry.ToCanonicalBytes();
            var parsed = LedgerEntry.Parse(bytes);
            Assert.Equal(entry, parsed);
            Assert.Equal(bytes, parsed.ToCanonicalBytes());
            Assert.Equal((entry.ChildFileId, entry.CaseId, entry.EntryType, entry.AuthorAgencyCode, entry.AuthorRole, entry.OccurredAt, entry.RecordedAt),
                (parsed.ChildFileId, parsed.CaseId, parsed.EntryType, parsed.AuthorAgencyCode, parsed.AuthorRole, parsed.OccurredAt, parsed.RecordedAt));
            Assert.Equal(entry.Payload.ToArray(), parsed.Payload.ToArray());
        });
    }

    [Fact]
    public void Any_byte_string_that_parses_re_encodes_to_exactly_itself()
    {
        // Mutating canonical bytes either breaks them or yields another canonical entry, never a second spelling of one.
        (from entry in GenEntry from at in Gen.Int[0, int.MaxValue] from value in Gen.Byte select (entry, at, value)).Sample(s =>
        {
            var bytes = s.entry.ToCanonicalBytes();
            bytes[s.at % bytes.Length] = s.value;
            if (LedgerEntry.TryParse(bytes, out var parsed, out _))
                Assert.Equal(bytes, parsed.ToCanonicalBytes());
        }, iter: 2000);
    }

    [Fact]
    public void Equal_entries_have_equal_leaf_hashes_and_a_changed_field_changes_the_hash()
    {
        var entry = Sample(Case);
        Assert.Equal(entry.LeafHash, Sample(Case).LeafHash);
        Assert.NotEqual(entry.LeafHash, Sample(null).LeafHash);
        Assert.NotEqual(entry.LeafHash, Sample(Case, role: "Named Nurse.").LeafHash);
        Assert.NotEqual(entry.LeafHash, Sample(Case, payload: "{ }"u8.ToArray()).LeafHash);
    }

    [Fact]
    public void Every_truncation_of_the_bytes_is_refused()
    {
        var bytes = Sample(Case).ToCanonicalBytes();
        for (var length = 0; length < bytes.Length; length++)
            Assert.False(LedgerEntry.TryParse(bytes.AsSpan(0, length), out _, out _), $"accepted {length} of {bytes.Length} bytes");
    }

    [Fact]
    public void Trailing_bytes_are_refused()
    {
        Assert.False(LedgerEntry.TryParse([.. Sample().ToCanonicalBytes(), 0], out _, out var error));
        Assert.Contains("follow the payload", error);
    }

    [Fact]
    public void An_unknown_format_version_is_refused_with_the_reason()
    {
        var bytes = Sample().ToCanonicalBytes();
        bytes[0] = 2;
        var e = Assert.Throws<FormatException>(() => LedgerEntry.Parse(bytes));
        Assert.Contains("format version 2", e.Message);
    }

    [Fact]
    public void A_case_flag_other_than_zero_or_one_is_refused()
    {
        var bytes = Sample().ToCanonicalBytes();
        bytes[14] = 2;
        Assert.False(LedgerEntry.TryParse(bytes, out _, out var error));
        Assert.Contains("case id flag", error);
    }

    [Fact]
    public void Invalid_utf8_in_the_role_is_refused()
    {
        var bytes = Sample(role: "ab").ToCanonicalBytes();
        var role = bytes.AsSpan().IndexOf("ab"u8);
        bytes[role] = 0xC0; // an overlong lead byte: never valid UTF-8
        Assert.False(LedgerEntry.TryParse(bytes, out _, out var error));
        Assert.Contains("UTF-8", error);
    }

    [Theory]
    [InlineData("", "RX1", "Nurse", "entry type")]
    [InlineData("Disagreement.Escalated", "RX1", "Nurse", "entry type")]
    [InlineData("concern raised", "RX1", "Nurse", "entry type")]
    [InlineData("concern.raised", "", "Nurse", "agency code")]
    [InlineData("concern.raised", "RX 1", "Nurse", "agency code")]
    [InlineData("concern.raised", "RX1", "", "author role")]
    [InlineData("concern.raised", "RX1", " Nurse", "white space")]
    [InlineData("concern.raised", "RX1", "Nurse\n", "white space")]
    [InlineData("concern.raised", "RX1", "Nu\u0000rse", "control")]
    public void Invalid_codes_and_roles_are_refused_with_the_reason(string type, string agency, string role, string reason)
    {
        var e = Assert.ThrowsAny<ArgumentException>(() =>
            new LedgerEntry(ChildFile, null, type, agency, role, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, []));
        Assert.Contains(reason, e.Message);
    }

    [Fact]
    public void Any_role_the_contract_accepts_fits_and_a_longer_one_is_refused()
    {
        var hundredWelshCharacters = new string('\u0175', 100); // two UTF-8 bytes each
        var hundredCjkCharacters = new string('\u8b77', 100); // three UTF-8 bytes each
        Assert.Equal(hundredWelshCharacters, Sample(role: hundredWelshCharacters).AuthorRole);
        Assert.Equal(hundredCjkCharacters, Sample(role: hundredCjkCharacters).AuthorRole);
        var e = Assert.Throws<ArgumentException>(() => Sample(role: new string('\u8b77', 134)));
        Assert.Contains("at most 400", e.Message);
    }

    [Fact]
    public void A_role_with_a_lone_surrogate_is_refused()
    {
        // Not an InlineData: attribute strings cannot carry a lone surrogate.
        var e = Assert.Throws<ArgumentException>(() => Sample(role: "Nurse " + (char)0xD800));
        Assert.Contains("Unicode", e.Message);
    }

    [Fact]
    public void An_empty_or_malformed_child_file_or_case_id_is_refused()
    {
        Assert.Throws<ArgumentException>(() => new LedgerEntry("", null, "a", "b", "c", default, default, []));
        Assert.Throws<ArgumentException>(() => new LedgerEntry("CF 1", null, "a", "b", "c", default, default, []));
        Assert.Throws<ArgumentException>(() => new LedgerEntry(new string('C', 65), null, "a", "b", "c", default, default, []));
        Assert.Throws<ArgumentException>(() => new LedgerEntry(ChildFile, "", "a", "b", "c", default, default, []));
        Assert.Throws<ArgumentException>(() => new LedgerEntry(ChildFile, "case/1", "a", "b", "c", default, default, []));
    }

    [Fact]
    public void Ids_are_opaque_and_case_sensitive()
    {
        Assert.NotEqual(Sample("case-a").LeafHash, Sample("CASE-A").LeafHash);
        Assert.Equal(Guid.Empty.ToString(), LedgerEntry.Parse(Sample(Guid.Empty.ToString()).ToCanonicalBytes()).CaseId);
    }

    [Fact]
    public void A_payload_over_the_limit_is_refused()
    {
        Assert.Throws<ArgumentException>(() => Sample(payload: new byte[LedgerEntry.MaxPayloadBytes + 1]));
        Assert.Equal(LedgerEntry.MaxPayloadBytes, Sample(payload: new byte[LedgerEntry.MaxPayloadBytes]).Payload.Length);
    }

    [Fact]
    public void A_role_is_hashed_exactly_as_given()
    {
        var composed = Sample(role: "Gweithiwr Cymdeithasol \u0175");
        var decomposed = Sample(role: "Gweithiwr Cymdeithasol w\u0302");
        Assert.NotEqual(composed.LeafHash, decomposed.LeafHash);
        Assert.Equal("Gweithiwr Cymdeithasol w\u0302", LedgerEntry.Parse(decomposed.ToCanonicalBytes()).AuthorRole);
        Assert.True(composed.ToCanonicalBytes().AsSpan().IndexOf(Encoding.UTF8.GetBytes("\u0175")) > 0);
    }
}
