using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;
using EscalationHub.Contracts.V1;
using EscalationHub.IntegrationTests.Infrastructure;
using EscalationHub.Security;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using static EscalationHub.IntegrationTests.Infrastructure.Disagreements;

namespace EscalationHub.IntegrationTests.Security;

/// <summary>Revoking a certificate ends what it has open, not only its next call: a watch held by a revoked certificate
/// ends with UNAUTHENTICATED within a second or two and is sent nothing more. The revocation list fails closed: a hub
/// whose list is missing refuses to start, and one whose list disappears refuses every certificate until it is back,
/// rather than forgetting who was revoked.</summary>
public sealed class StreamRevocationTests(EmbeddedHub fixture) : IClassFixture<EmbeddedHub>
{
    private readonly TestHub hub = fixture.Hub;

    private string RevocationFile => Path.Combine(hub.Callers.CertificatesDirectory, "revoked.txt");

    [Fact]
    public async Task A_revoked_police_certificate_loses_its_open_disagreement_watch_and_is_sent_no_event_after_the_revocation()
    {
        var id = (await hub.Escalations.OpenDisagreementAsync(Open(await ChildFileAsync(hub), responder: "leics-police"))).DisagreementId;
        var (stolen, file) = IssueTemporary(CallerIdentity.Agency("leics-police"), "police");
        var police = hub.Callers.WithCertificate(stolen, defaultDeadline: false);
        using var watch = police.Escalations.WatchDisagreement(new WatchDisagreementRequest { DisagreementId = id, AgencyCode = "leics-police" },
            deadline: DateTime.UtcNow.AddMinutes(2));
        var seen = new List<long>();
        while (seen.Count < 2 && await watch.ResponseStream.MoveNext()) seen.Add(watch.ResponseStream.Current.Sequence); // opened, stage-entered

        var revokedAt = Stopwatch.StartNew();
        await RevokeAsync(file);
        await RefusedAsync(police);
        // A change after the hub has taken the revocation in: its event must not reach the revoked certificate.
        await hub.Escalations.RecordDiscussionAsync(new RecordDiscussionRequest
        {
            DisagreementId = id, By = As("uhl-health"), HeldAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
            Summary = "Discussed with the police after the laptop went missing.", Attendees = { "Named nurse" },
        });

        var ended = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            while (await watch.ResponseStream.MoveNext()) seen.Add(watch.ResponseStream.Current.Sequence);
        });
        Assert.Equal(StatusCode.Unauthenticated, ended.StatusCode);
        Assert.Contains("revoked", ended.Status.Detail);
        Assert.Equal([1L, 2L], seen);
        Assert.True(revokedAt.Elapsed < TimeSpan.FromSeconds(10), $"the watch ended {revokedAt.Elapsed} after the revocation");
        // The police's own certificate still watches, and sees the change.
        using var own = hub.As("leics-police").Escalations.WatchDisagreement(new WatchDisagreementRequest { DisagreementId = id, AgencyCode = "leics-police" },
            deadline: DateTime.UtcNow.AddSeconds(30));
        var events = new List<string>();
        while (events.Count < 3 && await own.ResponseStream.MoveNext()) events.Add(own.ResponseStream.Current.Type);
        Assert.Equal(["opened", "stage-entered", "record-added"], events);
    }

    [Fact]
    public async Task An_idle_operator_flow_watch_ends_within_seconds_of_the_operator_certificate_being_revoked()
    {
        var (leaver, file) = IssueTemporary(CallerIdentity.Operator("leaver"), "operator");
        var operatorClients = hub.Callers.WithCertificate(leaver, defaultDeadline: false);
        using var watch = operatorClients.Operations.WatchFlow(new WatchFlowRequest { Backlog = 1 }, deadline: DateTime.UtcNow.AddMinutes(2));
        await hub.Concerns.RaiseConcernAsync(Requests.HospitalReferral()); // so there is a flow event to see
        Assert.True(await watch.ResponseStream.MoveNext());

        var revokedAt = Stopwatch.StartNew();
        await RevokeAsync(file);

        var ended = await Assert.ThrowsAsync<RpcException>(async () => { while (await watch.ResponseStream.MoveNext()) { } });
        Assert.Equal(StatusCode.Unauthenticated, ended.StatusCode);
        Assert.Contains("revoked", ended.Status.Detail);
        Assert.True(revokedAt.Elapsed < TimeSpan.FromSeconds(10), $"the watch ended {revokedAt.Elapsed} after the revocation");
    }

    [Fact]
    public async Task A_deleted_revocation_list_refuses_every_certificate_until_it_is_back_rather_than_unrevoking_anyone()
    {
        var (stolen, file) = IssueTemporary(CallerIdentity.Agency("uhl-health"), "health");
        var thief = hub.Callers.WithCertificate(stolen);
        await RevokeAsync(file);
        await RefusedAsync(thief);
        var concern = await hub.As("uhl-health").Concerns.RaiseConcernAsync(Requests.HospitalReferral());
        var saved = await File.ReadAllTextAsync(RevocationFile);
        var mode = OperatingSystem.IsWindows() ? default : File.GetUnixFileMode(RevocationFile);

        File.Delete(RevocationFile);
        try
        {
            var own = await RefusedAsync(hub.As("uhl-health"), concern.ConcernId);
            Assert.Contains("revocation list unavailable", own.Status.Detail);
            var stillRevoked = await RefusedAsync(thief, concern.ConcernId);
            Assert.Contains("revocation list unavailable", stillRevoked.Status.Detail);
            // Anonymous health checks still answer (the hub is up; it just trusts no certificate).
            await hub.HealthStatusAsync();
        }
        finally
        {
            await File.WriteAllTextAsync(RevocationFile, saved);
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(RevocationFile, mode);
        }

        // Back: the agency's own certificate works again, the revoked one is still refused.
        await Eventually.TrueAsync(async () =>
        {
            try { await hub.As("uhl-health").Concerns.GetConcernAsync(new GetConcernRequest { ConcernId = concern.ConcernId }); return true; }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.Unauthenticated) { return false; }
        }, "the hub's own hospital certificate accepted again");
        var revoked = await Assert.ThrowsAsync<RpcException>(() => thief.Concerns.GetConcernAsync(new GetConcernRequest { ConcernId = concern.ConcernId }).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, revoked.StatusCode);
        Assert.Contains("revoked", revoked.Status.Detail);
        // Logged once as an error when it went, once when it came back; not once per refused call.
        Assert.Single(hub.Output.Split('\n'), l => l.Contains("fail: ") && l.Contains("revocation list unavailable"));
        Assert.Contains("is readable again", hub.Output);
    }

    [Fact]
    public async Task A_hub_whose_configured_revocation_list_is_missing_refuses_to_start_and_names_the_file()
    {
        var directory = Path.Combine(Path.GetTempPath(), $"eh-hub-{Guid.NewGuid():N}");
        var missing = Path.Combine(directory, "no-such-revoked.txt");
        await using var refused = await TestHub.StartAsync(brokerUri: null, new Dictionary<string, string> { ["Tls:RevocationList"] = missing },
            directory, waitUntilServing: false);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => refused.WaitUntilServingAsync(TimeSpan.FromMinutes(3)));
        Assert.Contains("exited while starting", error.Message);
        Assert.Contains(missing, refused.Output);
        Assert.Contains("Tls:RevocationList", refused.Output);
    }

    /// <summary>A certificate for the identity, issued by the hub's development CA and written under the hub's
    /// directory (so hubctl can revoke it by file), leaving the hub's own certificates untouched.</summary>
    private (X509Certificate2 Certificate, string File) IssueTemporary(CallerIdentity identity, string name)
    {
        var now = DateTimeOffset.UtcNow;
        using var ca = hub.Callers.PartnershipCaWithKey();
        var certificate = PartnershipCertificates.IssueClient(ca, identity, now.AddDays(-1), now.AddDays(30));
        var directory = Path.Combine(hub.Directory, $"temporary-{name}-{Guid.NewGuid():N}");
        CertificateFiles.Write(certificate, directory, name);
        return (certificate, Path.Combine(directory, name + ".crt"));
    }

    private async Task RevokeAsync(string certificateFile)
    {
        var revoke = await Hubctl.RunAsync("certs", "revoke", certificateFile, "--dir", hub.Callers.CertificatesDirectory, "--reason", "test");
        Assert.True(revoke.ExitCode == 0, revoke.Output);
    }

    /// <summary>Waits until the hub refuses the caller (it re-reads the list within a second) and returns the refusal.</summary>
    private static Task<RpcException> RefusedAsync(HubClients caller, string concernId = "00000000-0000-0000-0000-000000000000") =>
        Eventually.GetAsync(async () =>
        {
            try
            {
                await caller.Concerns.GetConcernAsync(new GetConcernRequest { ConcernId = concernId });
                return null;
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.Unauthenticated) { return ex; }
            catch (RpcException) { return null; }
        }, "the certificate refused with UNAUTHENTICATED");
}
