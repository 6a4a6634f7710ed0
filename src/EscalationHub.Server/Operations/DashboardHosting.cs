using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace EscalationHub.Server.Operations;

/// <summary>The hub speaks HTTP/2 gRPC on its port (Urls) and serves the dashboard, its JSON API and /metrics over
/// HTTP/1.1 on a second port (Dashboard:Urls, default http://127.0.0.1:5081; empty turns the dashboard off). Each is
/// its own listener (<see cref="HubListeners"/>): what belongs to one is not served on the other.</summary>
public static class DashboardHosting
{
    public static string[] DashboardUrls(IConfiguration configuration) => HubListeners.Split(configuration["Dashboard:Urls"]);

    public static string[] GrpcUrls(IConfiguration configuration) => HubListeners.Split(configuration["Urls"] ?? "https://127.0.0.1:5080");

    public static void ConfigureListeners(WebApplicationBuilder builder)
    {
        var listeners = HubListeners.Of(builder);
        foreach (var url in GrpcUrls(builder.Configuration)) listeners.Add(HubListeners.Grpc, url, HttpProtocols.Http2);
        foreach (var url in DashboardUrls(builder.Configuration)) listeners.Add(HubListeners.Dashboard, url, HttpProtocols.Http1);
    }

    public static bool IsDashboardAddress(IConfiguration configuration, string address) => SamePort(DashboardUrls(configuration), address);

    public static bool IsGrpcAddress(IConfiguration configuration, string address) => SamePort(GrpcUrls(configuration), address);

    private static bool SamePort(string[] urls, string address)
    {
        var port = BindingAddress.Parse(address).Port;
        return urls.Any(u => BindingAddress.Parse(u).Port == port);
    }
}
