using System.Security.Cryptography.X509Certificates;
using EscalationHub.Contracts.V1;
using EscalationHub.IntegrationTests.Infrastructure;
using EscalationHub.Security;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace EscalationHub.IntegrationTests.Security;

/// <summary>
/// Issue 14, item 12: the hub's answers do not tell whether an id exists (an unknown id and someone else's id get the
/// same status and the same message but for the id), and a certificate the partnership CA issued to an agency this
/// hub does not know is refused on every method, the ledger's tree-head and proof methods included. A real hub
/// process over HTTP/2 with TLS.
/// </summary>
public sealed class ExistenceLeakTests(EmbeddedHub fixture) : IClassFixture<EmbeddedHub>
{
    private const string Hospital = "uhl-health", Police = "leics-police";
    private readonly TestHub hub = fixture.Hub;

    public static TheoryData<string> Reads => new()
    {
        "GetConcern", "WatchConcern", "GetDisagreement", "WatchDisagreement", "GetChildFile", "ListChildFileReads",
        "EscalateDisagreement", "RecordDiscussion", "OpenDisagreement",
    };

    [Theory]
    [MemberData(nameof(Reads))]
    public async Task An_unknown_id_and_an_id_the_caller_is_not_party_to_get_the_same_answer(string method)
    {
        var theirs = await CaseAsync();
        var unknown = new Case(Guid.NewGuid().ToString(), "CF-ZZZZZZZZ", "DG-" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant());

        var forTheirs = await RefusalAsync(method, theirs);
        var forUnknown = await RefusalAsync(method, unknown);

        Assert.Equal(StatusCode.NotFound, forTheirs.StatusCode);
        Assert.Equal(forUnknown.StatusCode, forTheirs.StatusCode);
        Assert.Equal(Shape(forUnknown.Status.Detail, unknown), Shape(forTheirs.Status.Detail, theirs));
        Assert.Contains(Police, forTheirs.Status.Detail);
    }

    [Fact]
    public async Task A_partnership_certificate_for_an_unregistered_agency_is_refused_on_the_tree_head_and_proof_methods()
    {
        await CaseAsync();
        using var certificate = UnregisteredAgencyCertificate("ghost-agency", CallerIdentity.Agency);
        var ledger = hub.Callers.WithCertificate(certificate).Ledger;
        var size = (await hub.As(Hospital).Ledger.GetLatestTreeHeadAsync(new GetLatestTreeHeadRequest())).TreeSize;

        var refusals = new[]
        {
            await RefusedAsync(ledger.GetLatestTreeHeadAsync(new GetLatestTreeHeadRequest()).ResponseAsync),
            await RefusedAsync(ledger.GetInclusionProofAsync(new GetInclusionProofRequest { EntryIndex = 0, TreeSize = size }).ResponseAsync),
            await RefusedAsync(ledger.GetConsistencyProofAsync(new GetConsistencyProofRequest { FirstSize = 1, SecondSize = size }).ResponseAsync),
            await RefusedAsync(ledger.GetHubPublicKeyAsync(new GetHubPublicKeyRequest()).ResponseAsync),
            await RefusedAsync(ledger.GetAgencyKeysAsync(new GetAgencyKeysRequest { AgencyCode = Hospital }).ResponseAsync),
            await RefusedAsync(hub.Callers.WithCertificate(certificate).Concerns.GetConcernAsync(new GetConcernRequest { ConcernId = Guid.NewGuid().ToString() }).ResponseAsync),
        };

        Assert.All(refusals, refusal =>
        {
            Assert.Equal(StatusCode.PermissionDenied, refusal.StatusCode);
            Assert.Equal("agency 'ghost-agency' is not registered with this hub", refusal.Status.Detail);
        });
    }

    [Fact]
    public async Task A_replication_certificate_for_an_unregistered_agency_is_refused_too()
    {
        await CaseAsync();
        using var certificate = UnregisteredAgencyCertificate("ghost-agency", CallerIdentity.Replica);

        var refusal = await RefusedAsync(hub.Callers.WithCertificate(certificate).Ledger.GetLatestTreeHeadAsync(new GetLatestTreeHeadRequest()).ResponseAsync);

        Assert.Equal((StatusCode.PermissionDenied, "agency 'ghost-agency' is not registered with this hub"), (refusal.StatusCode, refusal.Status.Detail));
    }

    private sealed record Case(string ConcernId, string ChildFileId, string DisagreementId);

    /// <summary>A concern from the hospital to social care and a disagreement between them: nothing of the police's.</summary>
    private async Task<Case> CaseAsync()
    {
        var request = Requests.HospitalReferral();
        request.Child.NhsNumber = NhsNumbers.New();
        var concern = await hub.As(Hospital).Concerns.RaiseConcernAsync(request);
        var disagreement = await hub.As(Hospital).Escalations.OpenDisagreementAsync(Disagreements.Open(concern.ChildFileId));
        return new Case(concern.ConcernId, concern.ChildFileId, disagreement.DisagreementId);
    }

    /// <summary>The police ask for the case's ids as a thief of its certificate would.</summary>
    private async Task<RpcException> RefusalAsync(string method, Case c)
    {
        var police = hub.As(Police);
        Task call = method switch
        {
            "GetConcern" => police.Concerns.GetConcernAsync(new GetConcernRequest { ConcernId = c.ConcernId }).ResponseAsync,
            "WatchConcern" => FirstAsync(police.Concerns.WatchConcern(new WatchConcernRequest { ConcernId = c.ConcernId })),
            "GetDisagreement" => police.Escalations.GetDisagreementAsync(new GetDisagreementRequest { DisagreementId = c.DisagreementId }).ResponseAsync,
            "WatchDisagreement" => FirstAsync(police.Escalations.WatchDisagreement(new WatchDisagreementRequest { DisagreementId = c.DisagreementId })),
            "GetChildFile" => police.Ledger.GetChildFileAsync(new GetChildFileRequest { ChildFileId = c.ChildFileId }).ResponseAsync,
            "ListChildFileReads" => police.Ledger.ListChildFileReadsAsync(new ListChildFileReadsRequest { ChildFileId = c.ChildFileId }).ResponseAsync,
            "EscalateDisagreement" => police.Escalations.EscalateDisagreementAsync(new EscalateDisagreementRequest
                { DisagreementId = c.DisagreementId, By = Disagreements.As(Police), Reason = "Not agreed." }).ResponseAsync,
            "RecordDiscussion" => police.Escalations.RecordDiscussionAsync(new RecordDiscussionRequest
            {
                DisagreementId = c.DisagreementId, By = Disagreements.As(Police), HeldAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
                Summary = "A call.", RequestId = "probe",
            }).ResponseAsync,
            "OpenDisagreement" => police.Escalations.OpenDisagreementAsync(Disagreements.Open(c.ChildFileId, raiser: Police, responder: Hospital)).ResponseAsync,
            _ => throw new ArgumentOutOfRangeException(nameof(method)),
        };
        return await RefusedAsync(call);
    }

    /// <summary>The message with the ids asked for taken out: what is left must not differ.</summary>
    private static string Shape(string detail, Case c) =>
        detail.Replace(c.ConcernId, "<id>").Replace(c.ChildFileId, "<id>").Replace(c.DisagreementId, "<id>");

    private static async Task<RpcException> RefusedAsync(Task call) => await Assert.ThrowsAsync<RpcException>(() => call);

    private static async Task FirstAsync<T>(AsyncServerStreamingCall<T> call)
    {
        using (call) await call.ResponseStream.MoveNext(CancellationToken.None);
    }

    /// <summary>A certificate the hub's own (development) partnership CA issued, naming an agency the hub does not have.</summary>
    private X509Certificate2 UnregisteredAgencyCertificate(string code, Func<string, CallerIdentity> identity)
    {
        using var ca = hub.Callers.PartnershipCaWithKey();
        var now = DateTimeOffset.UtcNow;
        return PartnershipCertificates.IssueClient(ca, identity(code), now.AddMinutes(-5), now.AddDays(1));
    }
}
