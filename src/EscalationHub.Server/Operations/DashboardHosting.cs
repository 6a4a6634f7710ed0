using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace EscalationHub.Server.Operations;

/// <summary>The hub speaks HTTP/2 gRPC on its port (Urls) and serves the dashboard, its JSON API and /metrics over
/// HTTP/1.1 on a second port (Dashboard:Urls, default http://127.0.0.1:5081; empty turns the dashboard off).</summary>
public static class DashboardHosting
{
    public static string[] DashboardUrls(IConfiguration configuration) => Split(configuration["Dashboard:Urls"]);

    /// <summary>Configures Kestrel's listeners; returns the RequireHost patterns of the dashboard's endpoints.</summary>
    public static string[] ConfigureListeners(WebApplicationBuilder builder)
    {
        var dashboard = DashboardUrls(builder.Configuration);
        if (dashboard.Length == 0) return [];
        var grpc = Split(builder.Configuration["Urls"] ?? "https://127.0.0.1:5080");
        builder.WebHost.UseSetting(WebHostDefaults.ServerUrlsKey, ""); // the listeners below replace Urls
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            foreach (var url in grpc) Listen(kestrel, url, HttpProtocols.Http2);
            foreach (var url in dashboard) Listen(kestrel, url, HttpProtocols.Http1);
        });
        return dashboard.Select(u => $"*:{BindingAddress.Parse(u).Port}").ToArray();
    }

    public static bool IsDashboardAddress(IConfiguration configuration, string address)
    {
        var port = BindingAddress.Parse(address).Port;
        return DashboardUrls(configuration).Any(u => BindingAddress.Parse(u).Port == port);
    }

    private static void Listen(KestrelServerOptions kestrel, string url, HttpProtocols protocols)
    {
        var address = BindingAddress.Parse(url);
        if (address.Scheme is not ("http" or "https"))
            throw new InvalidOperationException($"'{url}': only http:// and https:// are supported here");
        // https:// uses the hub's certificate and asks for a client certificate (Security/TlsRegistration).
        Action<ListenOptions> configure = address.Scheme == "https" ? o => { o.Protocols = protocols; o.UseHttps(); } : o => o.Protocols = protocols;
        if (address.Host is "localhost") kestrel.ListenLocalhost(address.Port, configure);
        else if (address.Host is "*" or "+" or "0.0.0.0" or "[::]") kestrel.ListenAnyIP(address.Port, configure);
        else kestrel.Listen(IPAddress.Parse(address.Host.Trim('[', ']')), address.Port, configure);
    }

    private static string[] Split(string? urls) =>
        (urls ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
