using EscalationHub.Contracts.V1;
using EscalationHub.IntegrationTests.Infrastructure;
using Grpc.Core;
using L = EscalationHub.Ledger;
using V1 = EscalationHub.Contracts.V1;

namespace EscalationHub.IntegrationTests;

/// <summary>The Ledger gRPC service of a real hub process over HTTP/2; every proof is checked client-side.</summary>
public sealed class LedgerServiceTests : IClassFixture<EmbeddedHub>
{
    private readonly TestHub hub;
    private readonly V1.Ledger.LedgerClient ledger;

    public LedgerServiceTests(EmbeddedHub fixture)
    {
        hub = fixture.Hub;
        ledger = new V1.Ledger.LedgerClient(hub.Channel);
    }

    private async Task<Concern> RaiseAndWaitForDecisionAsync()
    {
        var concern = await hub.Concerns.RaiseConcernAsync(Requests.HospitalReferral());
        await Requests.WatchUntilDecidedAsync(hub.Concerns, concern.ConcernId, TimeSpan.FromSeconds(30));
        return concern;
    }

    private static L.SignedTreeHead ToHead(V1.SignedTreeHead head) =>
        new(head.TreeSize, L.MerkleHash.FromBytes(head.RootHash.Span), DateTimeOffset.UnixEpoch.AddTicks(head.TimestampTicks), head.Signature.Span);

    [Fact]
    public async Task A_party_gets_the_child_file_and_every_entry_proves_into_the_signed_tree_head()
    {
        var concern = await RaiseAndWaitForDecisionAsync();
        var key = await ledger.GetHubPublicKeyAsync(new GetHubPublicKeyRequest());
        using var hubKey = L.LedgerKeys.ImportPublicKeyPem(key.PublicKeyPem);

        foreach (var party in new[] { "uhl-health", "leics-socialcare" })
        {
            var file = await ledger.GetChildFileAsync(new GetChildFileRequest { ChildFileId = concern.ChildFileId, AgencyCode = party });
            var head = ToHead(file.TreeHead);

            Assert.True(head.VerifySignature(hubKey));
            Assert.Equal(["concern.raised", "concern.acknowledged", "concern.decided"],
                file.Entries.Where(e => e.CaseId == concern.ConcernId && e.EntryType != "child-file.read").Select(e => e.EntryType));
            foreach (var entry in file.Entries)
            {
                var parsed = L.LedgerEntry.Parse(entry.CanonicalBytes.Span);
                Assert.Equal(concern.ChildFileId, parsed.ChildFileId);
                var proof = await ledger.GetInclusionProofAsync(new GetInclusionProofRequest { EntryIndex = entry.Index, TreeSize = head.TreeSize });
                var inclusion = new L.InclusionProof(proof.EntryIndex, proof.TreeSize, proof.Path.Select(p => L.MerkleHash.FromBytes(p.Span)).ToList());
                Assert.True(inclusion.VerifyAgainst(parsed.LeafHash, head), $"entry #{entry.Index} does not prove into the head");
            }
        }
    }

    [Fact]
    public async Task An_agency_not_party_to_the_child_file_is_told_there_is_no_such_file()
    {
        var concern = await RaiseAndWaitForDecisionAsync();

        var refused = await Assert.ThrowsAsync<RpcException>(() =>
            ledger.GetChildFileAsync(new GetChildFileRequest { ChildFileId = concern.ChildFileId, AgencyCode = "leics-police" }).ResponseAsync);

        Assert.Equal(StatusCode.NotFound, refused.StatusCode);
    }

    [Fact]
    public async Task Each_newer_tree_head_is_proved_consistent_with_an_older_one()
    {
        await RaiseAndWaitForDecisionAsync();
        var key = await ledger.GetHubPublicKeyAsync(new GetHubPublicKeyRequest());
        using var hubKey = L.LedgerKeys.ImportPublicKeyPem(key.PublicKeyPem);
        var older = ToHead(await ledger.GetLatestTreeHeadAsync(new GetLatestTreeHeadRequest()));
        await RaiseAndWaitForDecisionAsync();
        var newer = ToHead(await ledger.GetLatestTreeHeadAsync(new GetLatestTreeHeadRequest()));

        var proof = await ledger.GetConsistencyProofAsync(new GetConsistencyProofRequest { FirstSize = older.TreeSize, SecondSize = newer.TreeSize });
        var consistency = new L.ConsistencyProof(proof.FirstSize, proof.SecondSize, proof.Path.Select(p => L.MerkleHash.FromBytes(p.Span)).ToList());

        Assert.True(newer.TreeSize > older.TreeSize);
        Assert.True(older.VerifySignature(hubKey) && newer.VerifySignature(hubKey));
        Assert.True(consistency.VerifyAgainst(older, newer));
        var forgedRoot = new L.SignedTreeHead(older.TreeSize, L.TreeHasher.HashLeaf("forged"u8), older.Timestamp, older.Signature.Span);
        Assert.False(consistency.VerifyAgainst(forgedRoot, newer));
    }

    [Fact]
    public async Task Bad_requests_name_the_field_and_sizes_beyond_the_log_are_out_of_range()
    {
        var head = await ledger.GetLatestTreeHeadAsync(new GetLatestTreeHeadRequest());

        var missing = await Assert.ThrowsAsync<RpcException>(() => ledger.GetChildFileAsync(new GetChildFileRequest { AgencyCode = "uhl-health" }).ResponseAsync);
        var unknown = await Assert.ThrowsAsync<RpcException>(() =>
            ledger.GetChildFileAsync(new GetChildFileRequest { ChildFileId = "CF-X", AgencyCode = "nobody" }).ResponseAsync);
        var index = await Assert.ThrowsAsync<RpcException>(() =>
            ledger.GetInclusionProofAsync(new GetInclusionProofRequest { EntryIndex = 5, TreeSize = 5 }).ResponseAsync);
        var beyond = await Assert.ThrowsAsync<RpcException>(() =>
            ledger.GetConsistencyProofAsync(new GetConsistencyProofRequest { FirstSize = 0, SecondSize = head.TreeSize + 1000 }).ResponseAsync);

        Assert.Equal((StatusCode.InvalidArgument, "child_file_id: is required"), (missing.StatusCode, missing.Status.Detail));
        // The caller is the certificate's agency: naming another one is refused before anything is read.
        Assert.Equal(StatusCode.PermissionDenied, unknown.StatusCode);
        Assert.Contains("agency_code", unknown.Status.Detail);
        Assert.Equal(StatusCode.InvalidArgument, index.StatusCode);
        Assert.Contains("entry_index", index.Status.Detail);
        Assert.Equal(StatusCode.OutOfRange, beyond.StatusCode);
        Assert.Contains("second_size", beyond.Status.Detail);
    }
}
