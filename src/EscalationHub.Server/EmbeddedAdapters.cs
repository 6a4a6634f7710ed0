using EscalationHub.Adapters.Education;
using EscalationHub.Adapters.Health;
using EscalationHub.Adapters.Police;
using EscalationHub.Adapters.Runtime.AgencySystem;
using EscalationHub.Adapters.SocialCare;
using EscalationHub.Messaging;
using EscalationHub.Server.Operations;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace EscalationHub.Server;

public static class EmbeddedAdapters
{
    /// <summary>The embedded default hosts the four agency adapters in the hub's process, on the same bus, each with the
    /// simulator of its agency system (unless Adapters:{Name}:AgencySystem:Url points at a real one), so one command
    /// runs the whole system. On by default when no broker is configured (Adapters:Embedded overrides). Settings per
    /// adapter under Adapters:Health, Adapters:Police, Adapters:SocialCare, Adapters:Education.</summary>
    public static WebApplicationBuilder AddEmbeddedAdapters(this WebApplicationBuilder builder)
    {
        var usesBroker = !string.IsNullOrWhiteSpace(builder.Configuration[$"{BusSettings.Section}:RabbitMq"]);
        if (!builder.Configuration.GetValue("Adapters:Embedded", !usesBroker)) return builder;

        // The embedded adapters keep their verified ledger copies through the hub's own gRPC API, as remote ones do.
        if (string.IsNullOrWhiteSpace(builder.Configuration["Hub:Address"]) && builder.Configuration["Urls"] is { } urls)
            builder.Configuration["Hub:Address"] = urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)[0];
        var dataDirectory = Path.GetDirectoryName(Path.GetFullPath(builder.Configuration["Store:Path"] ?? Path.Combine("data", "hub.db")))!;
        var adapters = builder.Configuration.GetSection("Adapters");
        var hosted = new HostedAdapters();
        builder.Services.AddSingleton(hosted);
        hosted.Add("Health", builder.AddHealthAdapter(adapters.GetSection("Health"), dataDirectory), (r, s) => r.MapHealthAdapter(s));
        hosted.Add("Police", builder.AddPoliceAdapter(adapters.GetSection("Police"), dataDirectory), (r, s) => r.MapPoliceAdapter(s));
        hosted.Add("SocialCare", builder.AddSocialCareAdapter(adapters.GetSection("SocialCare"), dataDirectory), (r, s) => r.MapSocialCareAdapter(s));
        hosted.Add("Education", builder.AddEducationAdapter(adapters.GetSection("Education"), dataDirectory), (r, s) => r.MapEducationAdapter(s));
        // Each adapter's interface for its agency system on a listener of its own (Adapters:{Name}:Urls, defaults as
        // the standalone adapters'; empty turns it off), never on the hub's gRPC or dashboard listeners.
        var listeners = HubListeners.Of(builder);
        foreach (var (name, settings, _) in hosted.All)
            listeners.Add(HubListeners.Adapter(name), settings.Section["Urls"] ?? DefaultUrls[name], HttpProtocols.Http1AndHttp2);
        return builder;
    }

    /// <summary>The standalone adapters' default addresses, which the embedded ones keep.</summary>
    public static IReadOnlyDictionary<string, string> DefaultUrls { get; } = new Dictionary<string, string>
    {
        ["SocialCare"] = "http://127.0.0.1:5091",
        ["Police"] = "http://127.0.0.1:5092",
        ["Health"] = "http://127.0.0.1:5093",
        ["Education"] = "http://127.0.0.1:5094",
    };

    /// <summary>The embedded adapters' HTTP interfaces, each at the root of its own listener (as a standalone adapter
    /// serves them), e.g. http://127.0.0.1:5093/fhir/Bundle, http://127.0.0.1:5092/responses; with /health.</summary>
    public static WebApplication MapEmbeddedAdapters(this WebApplication app)
    {
        if (app.Services.GetService<HostedAdapters>() is not { } hosted) return app;
        var listeners = app.Services.GetRequiredService<HubListeners>();
        foreach (var (name, settings, map) in hosted.All)
        {
            var listener = HubListeners.Adapter(name);
            if (!listeners.Has(listener)) continue;
            var routes = app.MapGroup("").RequireListener(listener);
            map(routes, settings);
            routes.MapHealthChecks("/health");
            app.Lifetime.ApplicationStarted.Register(() =>
                Console.WriteLine($"EscalationHub embedded {name} adapter ({settings.AgencyCode}) for its agency system on {settings.Section["Urls"] ?? DefaultUrls[name]}"));
        }
        return app;
    }

    private sealed class HostedAdapters
    {
        public List<(string Name, AdapterSettings Settings, Action<IEndpointRouteBuilder, AdapterSettings> Map)> All { get; } = [];

        public void Add(string name, AdapterSettings settings, Action<IEndpointRouteBuilder, AdapterSettings> map) => All.Add((name, settings, map));
    }
}
