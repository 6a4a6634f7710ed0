using System.Security.Cryptography;
using Microsoft.Extensions.Time.Testing;

namespace EscalationHub.Ledger.Tests;

public class SignedTreeHeadTests
{
    private static readonly ECDsa HubKey = LedgerKeys.CreateP256();
    private static readonly FakeTimeProvider Clock = new(new DateTimeOffset(2026, 11, 25, 8, 0, 0, TimeSpan.Zero));
    private static readonly MerkleHash Root = CtTestVectors.Root(8);

    private static ECDsa HubPublicKey() => LedgerKeys.ImportPublicKeyPem(LedgerKeys.ExportPublicKeyPem(HubKey));

    [Fact]
    public void A_tree_head_signed_by_the_hub_verifies_with_its_public_key()
    {
        var head = new TreeHeadSigner(HubKey, Clock).Sign(8, Root);
        Assert.Equal((8L, Root, Clock.GetUtcNow()), (head.TreeSize, head.RootHash, head.Timestamp));
        Assert.True(head.VerifySignature(HubPublicKey()));
    }

    [Fact]
    public void The_to_be_signed_bytes_are_the_context_the_size_the_root_and_the_time()
    {
        var at = new DateTimeOffset(2026, 11, 25, 8, 0, 0, TimeSpan.Zero);
        var head = new SignedTreeHead(8, Root, at, []);
        var expected = Convert.FromHexString(string.Concat(
            Convert.ToHexString("EscalationHub.TreeHead.v1"u8), "00",
            "0000000000000008",
            CtTestVectors.RootsHex[7],
            (at.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks).ToString("x16")));
        Assert.Equal(expected, head.ToBeSigned());
    }

    [Fact]
    public void Changing_the_size_root_time_or_signature_of_a_signed_head_breaks_it()
    {
        var head = new TreeHeadSigner(HubKey, Clock).Sign(8, Root);
        var signature = head.Signature.ToArray();
        var key = HubPublicKey();

        Assert.False(new SignedTreeHead(7, head.RootHash, head.Timestamp, signature).VerifySignature(key));
        Assert.False(new SignedTreeHead(8, CtTestVectors.Root(7), head.Timestamp, signature).VerifySignature(key));
        Assert.False(new SignedTreeHead(8, head.RootHash, head.Timestamp.AddTicks(1), signature).VerifySignature(key));
        signature[^1] ^= 1;
        Assert.False(new SignedTreeHead(8, head.RootHash, head.Timestamp, signature).VerifySignature(key));
        Assert.False(new SignedTreeHead(8, head.RootHash, head.Timestamp, []).VerifySignature(key));
    }

    [Fact]
    public void A_head_signed_by_another_key_does_not_verify()
    {
        using var impostor = LedgerKeys.CreateP256();
        var forged = SignedTreeHead.Create(8, Root, Clock.GetUtcNow(), impostor);
        Assert.False(forged.VerifySignature(HubPublicKey()));
    }

    [Fact]
    public void A_signed_head_survives_its_byte_form_unchanged()
    {
        var head = new TreeHeadSigner(HubKey, Clock).Sign(1234, Root);
        var parsed = SignedTreeHead.Parse(head.ToBytes());
        Assert.Equal(head, parsed);
        Assert.True(parsed.VerifySignature(HubPublicKey()));
    }

    [Fact]
    public void Malformed_head_bytes_are_refused()
    {
        var bytes = new TreeHeadSigner(HubKey, Clock).Sign(3, Root).ToBytes();
        Assert.Throws<FormatException>(() => SignedTreeHead.Parse(bytes.AsSpan(0, bytes.Length - 1)));
        Assert.Throws<FormatException>(() => SignedTreeHead.Parse([.. bytes, 0]));
        bytes[0] ^= 1;
        Assert.Throws<FormatException>(() => SignedTreeHead.Parse(bytes));
    }

    [Fact]
    public void The_signer_stamps_heads_from_its_time_provider()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var signer = new TreeHeadSigner(HubKey, clock);
        var first = signer.Sign(1, CtTestVectors.Root(1));
        clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(first.Timestamp + TimeSpan.FromMinutes(5), signer.Sign(2, CtTestVectors.Root(2)).Timestamp);
    }
}

public class LedgerKeyTests
{
    [Fact]
    public void A_private_key_round_trips_through_pkcs8_pem_and_still_signs_for_its_public_key()
    {
        using var key = LedgerKeys.CreateP256();
        using var imported = LedgerKeys.ImportPrivateKeyPem(LedgerKeys.ExportPrivateKeyPem(key));
        var head = SignedTreeHead.Create(1, CtTestVectors.Root(1), DateTimeOffset.UnixEpoch, imported);
        Assert.True(head.VerifySignature(key));
        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", LedgerKeys.ExportPrivateKeyPem(key));
    }

    [Fact]
    public void A_public_key_imports_from_pem_or_der_subject_public_key_info_with_the_same_key_id()
    {
        using var key = LedgerKeys.CreateP256();
        var pem = LedgerKeys.ExportPublicKeyPem(key);
        Assert.StartsWith("-----BEGIN PUBLIC KEY-----", pem);
        using var fromPem = LedgerKeys.ImportPublicKeyPem(pem);
        using var fromDer = LedgerKeys.ImportSubjectPublicKeyInfo(LedgerKeys.ExportSubjectPublicKeyInfo(key));
        Assert.Equal(LedgerKeys.KeyId(key), LedgerKeys.KeyId(fromPem));
        Assert.Equal(LedgerKeys.KeyId(key), LedgerKeys.KeyId(fromDer));
        Assert.Equal(MerkleHash.FromBytes(SHA256.HashData(key.ExportSubjectPublicKeyInfo())), LedgerKeys.KeyId(key));
    }

    [Fact]
    public void A_public_key_pem_is_not_accepted_as_a_private_key()
    {
        using var key = LedgerKeys.CreateP256();
        Assert.Throws<ArgumentException>(() => LedgerKeys.ImportPrivateKeyPem(LedgerKeys.ExportPublicKeyPem(key)));
    }

    [Fact]
    public void Keys_on_other_curves_or_garbage_are_refused()
    {
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        Assert.Throws<ArgumentException>(() => LedgerKeys.ImportPublicKeyPem(p384.ExportSubjectPublicKeyInfoPem()));
        Assert.Throws<ArgumentException>(() => LedgerKeys.ImportPrivateKeyPem(p384.ExportPkcs8PrivateKeyPem()));
        Assert.Throws<ArgumentException>(() => new TreeHeadSigner(p384, TimeProvider.System));
        Assert.Throws<ArgumentException>(() => LedgerKeys.ImportPublicKeyPem("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"));
        Assert.Throws<ArgumentException>(() => LedgerKeys.ImportSubjectPublicKeyInfo([0x30, 0x00]));
    }
}

public class RecordApprovalTests
{
    private static readonly ECDsa HealthKey = LedgerKeys.CreateP256();
    private static readonly ECDsa SocialCareKey = LedgerKeys.CreateP256();
    private static readonly MerkleHash Entry = CtTestVectors.LeafHash(3);

    [Fact]
    public void Each_party_signs_the_entry_hash_and_each_approval_verifies_only_with_that_partys_key()
    {
        var health = RecordApproval.Sign(Entry, "RX1", HealthKey);
        var socialCare = RecordApproval.Sign(Entry, "LEICS-CSC", SocialCareKey);

        Assert.True(health.Verify(HealthKey));
        Assert.True(socialCare.Verify(SocialCareKey));
        Assert.False(health.Verify(SocialCareKey));
        Assert.False(socialCare.Verify(HealthKey));
    }

    [Fact]
    public void An_approval_does_not_carry_over_to_another_entry_or_another_agency_code()
    {
        var approval = RecordApproval.Sign(Entry, "RX1", HealthKey);
        Assert.False(new RecordApproval(CtTestVectors.LeafHash(4), "RX1", approval.Signature.Span).Verify(HealthKey));
        Assert.False(new RecordApproval(Entry, "RX2", approval.Signature.Span).Verify(HealthKey));
    }

    [Fact]
    public void An_approval_signature_is_never_a_valid_tree_head_signature()
    {
        // Domain separation: the two signed structures start with different context strings.
        var approval = RecordApproval.Sign(Entry, "RX1", HealthKey);
        var head = new SignedTreeHead(0, Entry, DateTimeOffset.UnixEpoch, approval.Signature.Span);
        Assert.False(head.VerifySignature(HealthKey));
    }

    [Fact]
    public void An_approval_round_trips_through_its_ledger_payload_and_still_verifies()
    {
        var approval = RecordApproval.Sign(Entry, "RX1", HealthKey);
        var parsed = RecordApproval.ParsePayload(approval.ToPayloadBytes());
        Assert.Equal(approval, parsed);
        Assert.True(parsed.Verify(HealthKey));
    }

    [Fact]
    public void A_malformed_approval_payload_is_refused()
    {
        var bytes = RecordApproval.Sign(Entry, "RX1", HealthKey).ToPayloadBytes();
        for (var length = 0; length < bytes.Length; length++)
            Assert.Throws<FormatException>(() => RecordApproval.ParsePayload(bytes.AsSpan(0, length)));
        Assert.Throws<FormatException>(() => RecordApproval.ParsePayload([.. bytes, 0]));
    }

    [Fact]
    public void An_approval_is_recorded_as_a_ledger_entry_whose_payload_carries_it()
    {
        var approval = RecordApproval.Sign(Entry, "RX1", HealthKey);
        var entry = new LedgerEntry("CF-4KQ7ZP2M", Guid.NewGuid().ToString(), RecordApproval.EntryType, "RX1", "Named Nurse",
            DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, approval.ToPayloadBytes());
        var replayed = LedgerEntry.Parse(entry.ToCanonicalBytes());
        Assert.True(RecordApproval.ParsePayload(replayed.Payload.Span).Verify(HealthKey));
    }
}
