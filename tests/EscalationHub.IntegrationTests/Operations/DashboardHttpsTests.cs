using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using EscalationHub.IntegrationTests.Infrastructure;
using EscalationHub.Security;

namespace EscalationHub.IntegrationTests.Operations;

/// <summary>The dashboard, its API and /metrics served over HTTPS (Dashboard:Urls https://..., as compose runs the hub)
/// with the hub's own certificate: a client trusting the partnership CA reads them, the API still asks for the operator
/// token, and nothing is served in clear on that port.</summary>
public sealed class DashboardHttpsTests(HttpsDashboardHub fixture) : IClassFixture<HttpsDashboardHub>
{
    private readonly TestHub hub = fixture.Hub;

    private HttpClient TrustingThePartnershipCa()
    {
        var ca = CertificateFiles.LoadCertificate(Path.Combine(hub.Callers.CertificatesDirectory, "ca.crt"));
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                    certificate is not null && HubChannels.TrustsServer(new X509Certificate2(certificate), ca, errors),
            },
        };
        return new HttpClient(handler) { BaseAddress = new Uri(hub.DashboardAddress) };
    }

    [Fact]
    public async Task Metrics_the_page_and_the_token_guarded_api_answer_over_https_with_the_hubs_certificate()
    {
        Assert.StartsWith("https://", hub.DashboardAddress);
        using var dashboard = TrustingThePartnershipCa();

        var metrics = await dashboard.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
        Assert.Contains("escalationhub", await metrics.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, (await dashboard.GetAsync("/")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await dashboard.GetAsync("/api/stats")).StatusCode);
        using var withToken = new HttpRequestMessage(HttpMethod.Get, "/api/stats") { Headers = { { "x-operator-token", TestHub.OperatorToken } } };
        Assert.Equal(HttpStatusCode.OK, (await dashboard.SendAsync(withToken)).StatusCode);
    }

    [Fact]
    public async Task The_port_serves_nothing_in_clear_and_a_client_trusting_only_the_machines_roots_is_refused()
    {
        using var clear = new HttpClient { BaseAddress = new Uri(hub.DashboardAddress.Replace("https://", "http://")), Timeout = TimeSpan.FromSeconds(10) };
        var inClear = await Record.ExceptionAsync(async () =>
        {
            var response = await clear.GetAsync("/metrics");
            Assert.NotEqual(HttpStatusCode.OK, response.StatusCode);
        });
        Assert.True(inClear is null or HttpRequestException, inClear?.ToString());

        using var machineRoots = new HttpClient { BaseAddress = new Uri(hub.DashboardAddress) };
        await Assert.ThrowsAsync<HttpRequestException>(() => machineRoots.GetAsync("/metrics"));
    }
}

/// <summary>An embedded hub whose dashboard listener is https://.</summary>
public sealed class HttpsDashboardHub : IAsyncLifetime
{
    public TestHub Hub { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Hub = await TestHub.StartAsync(brokerUri: null, new Dictionary<string, string> { ["Dashboard:Urls"] = TestHub.HttpsDashboard });

    public async Task DisposeAsync() => await Hub.DisposeAsync();
}
