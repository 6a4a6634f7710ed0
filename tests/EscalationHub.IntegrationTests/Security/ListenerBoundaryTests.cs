using System.Net;
using System.Text;
using EscalationHub.IntegrationTests.Infrastructure;

namespace EscalationHub.IntegrationTests.Security;

/// <summary>Each endpoint answers only on the listener it belongs to, told by the connection's local address, never by
/// the Host header: gRPC on the gRPC port, the dashboard, its API and /metrics on the dashboard port, each embedded
/// adapter's interface on that adapter's own port.</summary>
public sealed class ListenerBoundaryTests(EmbeddedHub fixture) : IClassFixture<EmbeddedHub>
{
    private readonly TestHub hub = fixture.Hub;

    [Fact]
    public async Task The_issues_replay_metrics_through_the_grpc_port_with_the_dashboards_Host_header_answers_nothing()
    {
        using var grpcPort = GrpcPortClient();
        using var request = Http2(HttpMethod.Get, "/metrics");
        request.Headers.Host = $"127.0.0.1:{hub.DashboardPort}";

        var response = await grpcPort.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.DoesNotContain("escalationhub", await response.Content.ReadAsStringAsync());
        using var dashboard = new HttpClient { BaseAddress = new Uri(hub.DashboardAddress) };
        Assert.Equal(HttpStatusCode.OK, (await dashboard.GetAsync("/metrics")).StatusCode); // where it belongs
    }

    [Fact]
    public async Task The_issues_replay_the_dashboard_api_through_the_grpc_port_with_the_dashboards_Host_header_and_the_token_answers_nothing()
    {
        using var grpcPort = GrpcPortClient();
        foreach (var path in new[] { "/api/flow", "/api/stats", "/api/adapters", "/api/dead-letters" })
        {
            using var request = Http2(HttpMethod.Get, path);
            request.Headers.Host = $"127.0.0.1:{hub.DashboardPort}";
            request.Headers.Add("x-operator-token", TestHub.OperatorToken);

            var response = await grpcPort.SendAsync(request);

            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }
        using var dashboard = new HttpClient { BaseAddress = new Uri(hub.DashboardAddress) };
        dashboard.DefaultRequestHeaders.Add("x-operator-token", TestHub.OperatorToken);
        Assert.Equal(HttpStatusCode.OK, (await dashboard.GetAsync("/api/stats")).StatusCode); // where it belongs
    }

    [Fact]
    public async Task An_adapters_listener_serves_neither_the_dashboard_nor_metrics_nor_grpc_nor_another_adapters_interface()
    {
        using var police = hub.AgencySystem("Police");
        police.DefaultRequestHeaders.Add("x-operator-token", TestHub.OperatorToken);

        foreach (var path in new[] { "/metrics", "/api/stats", "/index.html" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Host = $"127.0.0.1:{hub.DashboardPort}";
            Assert.Equal(HttpStatusCode.NotFound, (await police.SendAsync(request)).StatusCode);
        }
        Assert.Equal(HttpStatusCode.NotFound, (await police.PostAsync("/escalationhub.v1.Concerns/RaiseConcern", Grpc())).StatusCode);
        // The school's interface is on the school's listener only, whatever credential comes with it.
        using var school = hub.AgencySystem("Education");
        using var misdirected = new HttpRequestMessage(HttpMethod.Post, new Uri(hub.AdapterAddress("Police"), "/concerns"))
        {
            Content = AgencyEndpointAuthenticationTests.Json(AgencyEndpointAuthenticationTests.SchoolConcern("MISDIRECTED-0001")),
        };
        misdirected.Headers.Host = hub.AdapterAddress("Education").Authority;
        Assert.Equal(HttpStatusCode.NotFound, (await school.SendAsync(misdirected)).StatusCode);
        await hub.SettledCountsAsync();
        Assert.Equal(0, hub.Count("Concerns", "IdempotencyKey = 'MISDIRECTED-0001'"));
    }

    [Fact]
    public async Task The_dashboard_listener_serves_neither_grpc_nor_the_adapters_interfaces_even_with_their_credentials()
    {
        using var dashboard = new HttpClient { BaseAddress = new Uri(hub.DashboardAddress) };
        dashboard.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", hub.AgencySystemCredential("Education"));

        Assert.Equal(HttpStatusCode.NotFound, (await dashboard.PostAsync("/escalationhub.v1.Concerns/RaiseConcern", Grpc())).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await dashboard.PostAsync("/grpc.health.v1.Health/Check", Grpc())).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await dashboard.PostAsync("/concerns",
            AgencyEndpointAuthenticationTests.Json(AgencyEndpointAuthenticationTests.SchoolConcern("DASHBOARD-0001")))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await dashboard.PostAsync("/adapters/education/concerns",
            AgencyEndpointAuthenticationTests.Json(AgencyEndpointAuthenticationTests.SchoolConcern("DASHBOARD-0002")))).StatusCode);
        await hub.SettledCountsAsync();
        Assert.Equal(0, hub.Count("Concerns", "IdempotencyKey IN ('DASHBOARD-0001', 'DASHBOARD-0002')"));
    }

    [Fact]
    public async Task The_grpc_listener_serves_no_adapters_interface_even_with_its_credential()
    {
        using var grpcPort = GrpcPortClient();
        grpcPort.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", hub.AgencySystemCredential("Education"));

        var response = await grpcPort.PostAsync("/concerns", AgencyEndpointAuthenticationTests.Json(AgencyEndpointAuthenticationTests.SchoolConcern("GRPC-0001")));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        await hub.SettledCountsAsync();
        Assert.Equal(0, hub.Count("Concerns", "IdempotencyKey = 'GRPC-0001'"));
    }

    // An empty gRPC message: a five-byte frame header of zeros.
    private static ByteArrayContent Grpc()
    {
        var content = new ByteArrayContent(new byte[5]);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/grpc");
        return content;
    }

    // The server certificate is not checked here: with a Host header naming another port, the client would check
    // it against that name; what is tested is what the hub answers.
    // The gRPC port speaks HTTP/2 only: a request built by hand must say so (DefaultRequestVersion covers GetAsync alone).
    private static HttpRequestMessage Http2(HttpMethod method, string path) =>
        new(method, path) { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact };

    private HttpClient GrpcPortClient() => new(new SocketsHttpHandler
    {
        SslOptions = new System.Net.Security.SslClientAuthenticationOptions { RemoteCertificateValidationCallback = (_, _, _, _) => true },
    })
    {
        BaseAddress = new Uri(hub.Address), DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
    };
}
