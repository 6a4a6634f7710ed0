using System.Security.Cryptography;
using EscalationHub.Contracts.Messages;
using EscalationHub.Ledger;
using EscalationHub.Messaging;
using EscalationHub.Server.Concerns;
using EscalationHub.Server.Ledger;
using Microsoft.Extensions.DependencyInjection;

namespace EscalationHub.LedgerStore.Tests;

/// <summary>"Signed by both parties" on the hub's side: approvals are checked against the agency's registered key
/// before they become ledger entries; anything else is refused and records nothing.</summary>
public sealed class ApprovalTests : IAsyncLifetime
{
    private TestStore store = null!;
    private RaisedConcern concern = null!;
    private readonly ECDsa socialCareKey = LedgerKeys.CreateP256();

    public async Task InitializeAsync()
    {
        store = await TestStore.StartAsync();
        concern = await store.RaiseConcernAsync("ice-approve");
        await RegisterAsync("leics-socialcare", socialCareKey);
    }

    public async Task DisposeAsync()
    {
        socialCareKey.Dispose();
        await store.DisposeAsync();
    }

    private Task RegisterAsync(string agency, ECDsa key) =>
        store.RunAsync(async (sp, ct) =>
        {
            await sp.GetRequiredService<RegisterAgencyKeyHandler>().HandleAsync(
                new RegisterAgencyKey(agency, LedgerKeys.ExportPublicKeyPem(key), DateTimeOffset.UtcNow), ct);
            await sp.GetRequiredService<EscalationHub.Server.Store.HubDbContext>().SaveChangesAsync(ct);
            return 0;
        });

    private Task<StagedLedgerEntry> ApproveAsync(string agency, ECDsa key, long index = 0, MerkleHash? signedHash = null, string? claimedHash = null)
    {
        var leaf = TreeHasher.HashLeaf(store.Entries()[(int)index].Bytes);
        var approval = RecordApproval.Sign(signedHash ?? leaf, agency, key);
        return store.RunAsync((sp, ct) => sp.GetRequiredService<ApproveRecordHandler>().HandleAsync(new ApproveRecord(
            concern.ChildFile.Id, index, claimedHash ?? leaf.ToHex(), new ActorRef(agency, "Team manager"),
            Convert.ToBase64String(approval.Signature.Span), DateTimeOffset.UtcNow), ct));
    }

    [Fact]
    public async Task An_approval_signed_with_the_agencys_registered_key_becomes_an_entry_anyone_can_verify()
    {
        var staged = await ApproveAsync("leics-socialcare", socialCareKey);

        var entry = LedgerEntry.Parse(store.Entries()[(int)staged.Sequence!.Value].Bytes);
        var approval = RecordApproval.ParsePayload(entry.Payload.Span);
        Assert.Equal((RecordApproval.EntryType, "leics-socialcare", concern.Concern.Id.ToString()), (entry.EntryType, entry.AuthorAgencyCode, entry.CaseId));
        Assert.Equal(TreeHasher.HashLeaf(store.Entries()[0].Bytes), approval.LeafHash);
        Assert.True(approval.Verify(socialCareKey));
        Assert.True(store.Verify().IsValid);
    }

    [Fact]
    public async Task An_approval_signed_by_a_key_not_registered_for_the_agency_is_refused_and_records_nothing()
    {
        using var stranger = LedgerKeys.CreateP256();

        var refused = await Assert.ThrowsAsync<RefusedMessageException>(() => ApproveAsync("leics-socialcare", stranger));

        Assert.Contains("not signed by a key registered for 'leics-socialcare'", refused.Message);
        Assert.Single(store.Entries());
    }

    [Fact]
    public async Task An_approval_naming_another_hash_than_the_entrys_is_refused()
    {
        var other = TreeHasher.HashLeaf("another record"u8);

        var refused = await Assert.ThrowsAsync<RefusedMessageException>(() =>
            ApproveAsync("leics-socialcare", socialCareKey, signedHash: other, claimedHash: other.ToHex()));

        Assert.Contains("the approval is for another record", refused.Message);
        Assert.Single(store.Entries());
    }

    [Fact]
    public async Task An_agency_not_party_to_the_child_file_cannot_approve_its_records()
    {
        using var policeKey = LedgerKeys.CreateP256();
        await RegisterAsync("leics-police", policeKey);

        var refused = await Assert.ThrowsAsync<RefusedMessageException>(() => ApproveAsync("leics-police", policeKey));

        Assert.Contains("not party to child file", refused.Message);
        Assert.Single(store.Entries());
    }

    [Fact]
    public async Task Agency_keys_are_kept_once_and_unknown_agencies_or_other_curves_are_refused()
    {
        await RegisterAsync("leics-socialcare", socialCareKey);
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);

        var unknown = await Assert.ThrowsAsync<RefusedMessageException>(() => RegisterAsync("nobody", socialCareKey));
        var wrongCurve = await Assert.ThrowsAsync<RefusedMessageException>(() => store.RunAsync(async (sp, ct) =>
        {
            await sp.GetRequiredService<RegisterAgencyKeyHandler>().HandleAsync(
                new RegisterAgencyKey("uhl-health", p384.ExportSubjectPublicKeyInfoPem(), DateTimeOffset.UtcNow), ct);
            return 0;
        }));

        Assert.Equal(1, store.Scalar("SELECT COUNT(*) FROM AgencyKeys"));
        Assert.Contains("unknown agency 'nobody'", unknown.Message);
        Assert.Contains("P-256", wrongCurve.Message);
    }
}
