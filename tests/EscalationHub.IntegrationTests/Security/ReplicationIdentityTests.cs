using EscalationHub.Contracts.V1;
using EscalationHub.IntegrationTests.Infrastructure;
using EscalationHub.Security;
using Grpc.Core;

namespace EscalationHub.IntegrationTests.Security;

/// <summary>
/// Issue 14, item 11: purpose REPLICATION is read only by the agency's replication identity
/// (urn:escalationhub:replica:&lt;code&gt;, replica-&lt;code&gt;.crt), which may read its agency's child files for
/// replication and check the ledger's proofs, and nothing else; an ordinary agency certificate cannot pass its reads
/// off as replication. Replication reads are audited. A real hub process (embedded default) over HTTP/2 with TLS.
/// </summary>
public sealed class ReplicationIdentityTests(EmbeddedHub fixture) : IClassFixture<EmbeddedHub>
{
    private const string Hospital = "uhl-health", Police = "leics-police";
    private readonly TestHub hub = fixture.Hub;

    [Fact]
    public async Task An_ordinary_agency_certificate_reading_for_replication_is_refused_and_leaves_no_replication_entry()
    {
        var concern = await RaiseAsync();

        var refused = await Assert.ThrowsAsync<RpcException>(() => hub.As(Hospital).Ledger.GetChildFileAsync(new GetChildFileRequest
            { ChildFileId = concern.ChildFileId, Purpose = ReadPurpose.Replication, ReaderRole = "Not a replica" }).ResponseAsync);

        Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);
        Assert.Contains("replication identity", refused.Status.Detail);
        var trail = await hub.As(Hospital).Ledger.ListChildFileReadsAsync(new ListChildFileReadsRequest { ChildFileId = concern.ChildFileId });
        Assert.DoesNotContain(trail.Reads, r => r.ReaderRole == "Not a replica");
    }

    [Fact]
    public async Task The_replication_identity_reads_its_agencys_file_for_replication_and_the_read_is_audited()
    {
        var concern = await RaiseAsync();
        var replica = hub.AsReplica(Hospital);

        var file = await replica.Ledger.GetChildFileAsync(new GetChildFileRequest
            { ChildFileId = concern.ChildFileId, Purpose = ReadPurpose.Replication, ReaderRole = "Test replica" });
        var head = await replica.Ledger.GetLatestTreeHeadAsync(new GetLatestTreeHeadRequest());
        var proof = await replica.Ledger.GetInclusionProofAsync(new GetInclusionProofRequest { EntryIndex = file.Entries[0].Index, TreeSize = head.TreeSize });
        await replica.Ledger.GetHubPublicKeyAsync(new GetHubPublicKeyRequest());
        await replica.Ledger.GetAgencyKeysAsync(new GetAgencyKeysRequest { AgencyCode = Hospital });
        if (head.TreeSize > 1) await replica.Ledger.GetConsistencyProofAsync(new GetConsistencyProofRequest { FirstSize = 1, SecondSize = head.TreeSize });

        Assert.NotEmpty(file.Entries);
        Assert.Equal(file.Entries[0].Index, proof.EntryIndex);
        var trail = await hub.As(Hospital).Ledger.ListChildFileReadsAsync(new ListChildFileReadsRequest { ChildFileId = concern.ChildFileId });
        var read = Assert.Single(trail.Reads, r => r.ReaderRole == "Test replica");
        Assert.Equal((Hospital, "replication", "Ledger/GetChildFile", 1), (read.ReaderAgencyCode, read.Purpose, read.Call, read.ReadCount));
    }

    [Fact]
    public async Task The_replication_identity_cannot_act_nor_read_as_a_person()
    {
        var concern = await RaiseAsync();
        var replica = hub.AsReplica(Hospital);
        var raise = Requests.HospitalReferral();
        raise.Child.NhsNumber = NhsNumbers.New();

        var refusals = new[]
        {
            await RefusedAsync(replica.Concerns.RaiseConcernAsync(raise).ResponseAsync),
            await RefusedAsync(replica.Concerns.GetConcernAsync(new GetConcernRequest { ConcernId = concern.ConcernId }).ResponseAsync),
            await RefusedAsync(replica.Escalations.OpenDisagreementAsync(Disagreements.Open(concern.ChildFileId)).ResponseAsync),
            await RefusedAsync(replica.Escalations.ListDisagreementsAsync(new ListDisagreementsRequest()).ResponseAsync),
            await RefusedAsync(replica.Ledger.ListChildFileReadsAsync(new ListChildFileReadsRequest { ChildFileId = concern.ChildFileId }).ResponseAsync),
            await RefusedAsync(replica.Ledger.GetChildFileAsync(new GetChildFileRequest { ChildFileId = concern.ChildFileId, Purpose = ReadPurpose.CaseWork }).ResponseAsync),
            await RefusedAsync(replica.Operations.ListFlowAsync(new ListFlowRequest()).ResponseAsync),
        };

        Assert.All(refusals, r => Assert.Equal(StatusCode.PermissionDenied, r.StatusCode));
        Assert.Equal(1, hub.Count("Concerns", "ChildFileId = @f", ("@f", concern.ChildFileId)));
    }

    [Fact]
    public async Task The_replication_identity_of_one_agency_reads_no_file_of_another()
    {
        var concern = await RaiseAsync();

        var refused = await RefusedAsync(hub.AsReplica(Police).Ledger.GetChildFileAsync(new GetChildFileRequest
            { ChildFileId = concern.ChildFileId, Purpose = ReadPurpose.Replication }).ResponseAsync);

        Assert.Equal(StatusCode.NotFound, refused.StatusCode);
    }

    [Fact]
    public async Task The_embedded_adapters_replicas_read_with_the_replication_identity()
    {
        var concern = await RaiseAsync();

        // The hospital's embedded adapter follows the file it raised and keeps its verified copy: with its replica-uhl-health certificate.
        await Eventually.TrueAsync(async () =>
        {
            var trail = await hub.As(Hospital).Ledger.ListChildFileReadsAsync(new ListChildFileReadsRequest { ChildFileId = concern.ChildFileId });
            return trail.Reads.Any(r => r is { ReaderAgencyCode: Hospital, Purpose: "replication", ReaderRole: "ledger replica" });
        }, "a replication read by the hospital's replica", TimeSpan.FromSeconds(60));
        Assert.DoesNotContain("the hub refuses child file", hub.Output);
    }

    [Fact]
    public async Task Hubctl_issues_a_replication_certificate_that_the_hub_accepts_for_replication_only()
    {
        var concern = await RaiseAsync();
        var dir = Path.Combine(Path.GetTempPath(), $"eh-ca-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        foreach (var name in new[] { "ca.crt", "ca.key" }) File.Copy(Path.Combine(hub.Callers.CertificatesDirectory, name), Path.Combine(dir, name));

        var issued = await Hubctl.RunAsync("certs", "replica", Hospital, "--dir", dir, "--days", "2");

        Assert.True(issued.ExitCode == 0, issued.Output);
        using var certificate = CertificateFiles.LoadWithKey(CertificateFiles.CertificatePath(dir, CertificateDirectory.ReplicaFileName(Hospital)));
        Assert.Equal(CallerIdentity.Replica(Hospital), CallerIdentity.FromCertificate(certificate, out _));
        var clients = hub.Callers.WithCertificate(certificate);
        var file = await clients.Ledger.GetChildFileAsync(new GetChildFileRequest { ChildFileId = concern.ChildFileId, Purpose = ReadPurpose.Replication });
        Assert.NotEmpty(file.Entries);
        Assert.Equal(StatusCode.PermissionDenied, (await RefusedAsync(clients.Concerns.RaiseConcernAsync(Requests.HospitalReferral()).ResponseAsync)).StatusCode);
        Directory.Delete(dir, recursive: true);
    }

    private async Task<Concern> RaiseAsync()
    {
        var request = Requests.HospitalReferral();
        request.Child.NhsNumber = NhsNumbers.New();
        return await hub.As(Hospital).Concerns.RaiseConcernAsync(request);
    }

    private static async Task<RpcException> RefusedAsync(Task call) => await Assert.ThrowsAsync<RpcException>(() => call);
}
