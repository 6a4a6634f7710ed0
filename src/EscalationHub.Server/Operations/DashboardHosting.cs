using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace EscalationHub.Server.Operations;

/// <summary>The hub speaks HTTP/2 gRPC on its port (Urls) and serves the dashboard, its JSON API and /metrics over
/// HTTP/1.1 on a second port (Dashboard:Urls, default http://127.0.0.1:5081; empty turns the dashboard off). Each is
/// its own listener (<see cref="HubListeners"/>): what belongs to one is not served on the other.</summary>
public static class DashboardHosting
{
    public static string[] DashboardUrls(IConfiguration configuration) => HubListeners.Split(configuration["Dashboard:Urls"]);

    public static void ConfigureListeners(WebApplicationBuilder builder)
    {
        HubListeners.Of(builder).Add(HubListeners.Dashboard, builder.Configuration["Dashboard:Urls"], HttpProtocols.Http1);
    }

    public static bool IsDashboardAddress(IConfiguration configuration, string address)
    {
        var port = BindingAddress.Parse(address).Port;
        return DashboardUrls(configuration).Any(u => BindingAddress.Parse(u).Port == port);
    }
}
