using System.Net;
using Microsoft.AspNetCore.Routing.Matching;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace EscalationHub.Server.Operations;

/// <summary>The hub's listeners by name: "grpc" (Urls, HTTP/2), "dashboard" (Dashboard:Urls, HTTP/1.1) and, in the
/// embedded default, "adapter:{name}" (Adapters:{Name}:Urls). An endpoint bound to a listener
/// (<see cref="RequireListener{TBuilder}"/>) answers only on connections that listener accepted, told by the
/// connection's local address and port, never by the Host header; on any other listener it is not there (404).</summary>
public sealed class HubListeners
{
    public const string Grpc = "grpc";
    public const string Dashboard = "dashboard";
    public static string Adapter(string name) => $"adapter:{name.ToLowerInvariant()}";

    private readonly List<(string Name, BindingAddress Address, HttpProtocols Protocols)> all = [];

    /// <summary>The listeners of this hub; the first call configures Kestrel with them (in place of Urls).</summary>
    public static HubListeners Of(WebApplicationBuilder builder)
    {
        if (builder.Services.Select(d => d.ImplementationInstance).OfType<HubListeners>().FirstOrDefault() is { } existing) return existing;
        var listeners = new HubListeners();
        // The gRPC listener(s) first, from Urls, which is cleared below (Kestrel gets every listener from here).
        listeners.Add(Grpc, builder.Configuration[WebHostDefaults.ServerUrlsKey] ?? "https://127.0.0.1:5080", HttpProtocols.Http2);
        builder.Services.AddSingleton(listeners);
        builder.Services.AddSingleton<MatcherPolicy, ListenerMatcherPolicy>();
        builder.WebHost.UseSetting(WebHostDefaults.ServerUrlsKey, ""); // the listeners below replace Urls
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            foreach (var (_, address, protocols) in listeners.all) Listen(kestrel, address, protocols);
        });
        return listeners;
    }

    /// <summary>Adds the listeners of a ';'-separated list of http:// or https:// URLs (none when empty).</summary>
    public void Add(string name, string? urls, HttpProtocols protocols)
    {
        if (Has(name)) throw new InvalidOperationException($"the listener '{name}' is configured twice");
        foreach (var url in Split(urls))
        {
            var address = BindingAddress.Parse(url);
            if (address.Scheme is not ("http" or "https"))
                throw new InvalidOperationException($"'{url}': only http:// and https:// are supported here");
            if (address.Port == 0) throw new InvalidOperationException($"'{url}' ({name}): a listener needs a fixed port");
            all.Add((name, address, protocols));
        }
    }

    public bool Has(string name) => all.Any(l => l.Name == name);

    /// <summary>The URLs of the named listeners.</summary>
    public IEnumerable<string> Urls(string name) => all.Where(l => l.Name == name).Select(l => l.Address.ToString());

    /// <summary>Whether the connection came in through one of the named listeners.</summary>
    public bool Accepted(string name, ConnectionInfo connection)
    {
        var local = connection.LocalIpAddress is { IsIPv4MappedToIPv6: true } mapped ? mapped.MapToIPv4() : connection.LocalIpAddress;
        foreach (var listener in all)
        {
            if (listener.Name != name || listener.Address.Port != connection.LocalPort) continue;
            var host = listener.Address.Host;
            if (host is "*" or "+" or "0.0.0.0" or "[::]") return true;
            if (host is "localhost" && local is not null && IPAddress.IsLoopback(local)) return true;
            if (IPAddress.TryParse(host.Trim('[', ']'), out var ip) && local is not null && ip.Equals(local)) return true;
        }
        return false;
    }

    public static string[] Split(string? urls) =>
        (urls ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static void Listen(KestrelServerOptions kestrel, BindingAddress address, HttpProtocols protocols)
    {
        // https:// uses the hub's certificate and asks for a client certificate (Security/TlsRegistration).
        Action<ListenOptions> configure = address.Scheme == "https" ? o => { o.Protocols = protocols; o.UseHttps(); } : o => o.Protocols = protocols;
        if (address.Host is "localhost") kestrel.ListenLocalhost(address.Port, configure);
        else if (address.Host is "*" or "+" or "0.0.0.0" or "[::]") kestrel.ListenAnyIP(address.Port, configure);
        else kestrel.Listen(IPAddress.Parse(address.Host.Trim('[', ']')), address.Port, configure);
    }
}

/// <summary>Names the listener an endpoint belongs to.</summary>
public sealed record ListenerMetadata(string Name);

public static class ListenerEndpoints
{
    public static TBuilder RequireListener<TBuilder>(this TBuilder builder, string name) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new ListenerMetadata(name));
}

/// <summary>Makes an endpoint bound to a listener no candidate on a connection another listener accepted, so that
/// the same path may be served by several adapters each on its own listener, and nothing answers elsewhere.</summary>
internal sealed class ListenerMatcherPolicy(HubListeners listeners) : MatcherPolicy, IEndpointSelectorPolicy
{
    public override int Order => int.MinValue;

    public bool AppliesToEndpoints(IReadOnlyList<Endpoint> endpoints) => endpoints.Any(e => e.Metadata.GetMetadata<ListenerMetadata>() is not null);

    public Task ApplyAsync(HttpContext httpContext, CandidateSet candidates)
    {
        for (var i = 0; i < candidates.Count; i++)
            if (candidates.IsValidCandidate(i) && candidates[i].Endpoint.Metadata.GetMetadata<ListenerMetadata>() is { } listener
                && !listeners.Accepted(listener.Name, httpContext.Connection))
                candidates.SetValidity(i, false);
        return Task.CompletedTask;
    }
}
