using EscalationHub.Contracts.V1;
using EscalationHub.IntegrationTests.Infrastructure;
using EscalationHub.Security;
using Grpc.Core;

namespace EscalationHub.IntegrationTests.Security;

/// <summary>The hub takes a caller's identity only from a certificate the partnership CA issued, that is in date and
/// not revoked; any other certificate gets UNAUTHENTICATED, naming why, and changes nothing.</summary>
public sealed class ClientCertificateTests(EmbeddedHub fixture) : IClassFixture<EmbeddedHub>
{
    private readonly TestHub hub = fixture.Hub;

    [Fact]
    public async Task A_certificate_from_another_ca_is_refused_and_nothing_is_stored()
    {
        var now = DateTimeOffset.UtcNow;
        using var rogueCa = PartnershipCertificates.CreateCa("EscalationHub partnership CA", now.AddDays(-1), now.AddYears(1)); // same name, other key
        using var forged = PartnershipCertificates.IssueClient(rogueCa, CallerIdentity.Agency("uhl-health"), now.AddDays(-1), now.AddDays(30));

        await AssertRefusedAsync(forged, "not issued by the partnership CA");
    }

    [Fact]
    public async Task An_expired_certificate_is_refused_and_nothing_is_stored()
    {
        var now = DateTimeOffset.UtcNow;
        using var ca = hub.Callers.PartnershipCaWithKey();
        using var expired = PartnershipCertificates.IssueClient(ca, CallerIdentity.Agency("uhl-health"), ca.NotBefore, now.AddMinutes(-1));

        await AssertRefusedAsync(expired, "expired");
    }

    [Fact]
    public async Task A_revoked_certificate_is_refused_from_then_on_even_on_an_open_connection()
    {
        var now = DateTimeOffset.UtcNow;
        using var ca = hub.Callers.PartnershipCaWithKey();
        using var stolen = PartnershipCertificates.IssueClient(ca, CallerIdentity.Agency("uhl-health"), now.AddDays(-1), now.AddDays(30));
        var file = Path.Combine(hub.Directory, "stolen");
        CertificateFiles.Write(stolen, file, "agency-uhl-health");
        var clients = hub.Callers.WithCertificate(stolen);
        var concern = await clients.Concerns.RaiseConcernAsync(Requests.HospitalReferral());

        var revoke = await Hubctl.RunAsync("certs", "revoke", Path.Combine(file, "agency-uhl-health.crt"), "--dir", hub.Callers.CertificatesDirectory,
            "--reason", "laptop stolen");
        Assert.True(revoke.ExitCode == 0, revoke.Output);
        Assert.Contains(CertificateFiles.Serial(stolen), File.ReadAllText(Path.Combine(hub.Callers.CertificatesDirectory, "revoked.txt")));

        // The hub re-reads the list within a second; the same channel (connection) is refused from then on.
        var refused = await Eventually.GetAsync(async () =>
        {
            try
            {
                await clients.Concerns.GetConcernAsync(new GetConcernRequest { ConcernId = concern.ConcernId });
                return null;
            }
            catch (RpcException ex) { return ex; }
        }, "the revoked certificate refused");
        Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
        Assert.Contains("revoked", refused.Status.Detail);
        await AssertRefusedAsync(stolen, "revoked");
        // The agency's own certificate is untouched.
        Assert.Equal(concern.ConcernId, (await hub.As("uhl-health").Concerns.GetConcernAsync(new GetConcernRequest { ConcernId = concern.ConcernId })).ConcernId);
    }

    [Fact]
    public async Task The_development_certificates_are_kept_owner_only()
    {
        await hub.WaitUntilServingAsync();
        if (OperatingSystem.IsWindows()) return;
        var directory = hub.Callers.CertificatesDirectory;
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(directory));
        var keys = Directory.GetFiles(directory, "*.key");
        Assert.NotEmpty(keys);
        foreach (var key in keys) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key));
        Assert.Contains($"EscalationHub development certificates in {directory}", hub.Output);
    }

    private async Task AssertRefusedAsync(System.Security.Cryptography.X509Certificates.X509Certificate2 certificate, string reason)
    {
        var before = await hub.SettledCountsAsync();
        var clients = hub.Callers.WithCertificate(certificate);

        var raise = await Assert.ThrowsAsync<RpcException>(() => clients.Concerns.RaiseConcernAsync(Requests.HospitalReferral()).ResponseAsync);
        var list = await Assert.ThrowsAsync<RpcException>(() => clients.Escalations.ListDisagreementsAsync(new ListDisagreementsRequest()).ResponseAsync);
        var health = await Assert.ThrowsAsync<RpcException>(() => clients.Health.CheckAsync(new Grpc.Health.V1.HealthCheckRequest()).ResponseAsync);

        foreach (var error in new[] { raise, list, health })
        {
            Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
            Assert.Contains(reason, error.Status.Detail);
        }
        Assert.Equal(before, hub.CountAll());
    }
}
