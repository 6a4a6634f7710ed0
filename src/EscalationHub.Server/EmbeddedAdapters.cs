using EscalationHub.Adapters.Education;
using EscalationHub.Adapters.Health;
using EscalationHub.Adapters.Police;
using EscalationHub.Adapters.Runtime.AgencySystem;
using EscalationHub.Adapters.SocialCare;
using EscalationHub.Messaging;

namespace EscalationHub.Server;

public static class EmbeddedAdapters
{
    /// <summary>The embedded default hosts the four agency adapters in the hub's process, on the same bus, each with the
    /// simulator of its agency system (unless Adapters:{Name}:AgencySystem:Url points at a real one), so one command
    /// runs the whole system. On by default when no broker is configured (Adapters:Embedded overrides). Settings per
    /// adapter under Adapters:Health, Adapters:Police, Adapters:SocialCare, Adapters:Education.</summary>
    public static IHostApplicationBuilder AddEmbeddedAdapters(this IHostApplicationBuilder builder)
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
        hosted.Add("health", builder.AddHealthAdapter(adapters.GetSection("Health"), dataDirectory), (r, s) => r.MapHealthAdapter(s));
        hosted.Add("police", builder.AddPoliceAdapter(adapters.GetSection("Police"), dataDirectory), (r, s) => r.MapPoliceAdapter(s));
        hosted.Add("socialcare", builder.AddSocialCareAdapter(adapters.GetSection("SocialCare"), dataDirectory), (r, s) => r.MapSocialCareAdapter(s));
        hosted.Add("education", builder.AddEducationAdapter(adapters.GetSection("Education"), dataDirectory), (r, s) => r.MapEducationAdapter(s));
        return builder;
    }

    /// <summary>The embedded adapters' HTTP interfaces on the hub's port under /adapters/{name}/ (e.g.
    /// /adapters/health/fhir/Bundle, /adapters/police/responses). The hub's port speaks HTTP/2 only (gRPC): use
    /// curl --http2-prior-knowledge. A standalone adapter serves the same paths at its root over HTTP/1.1.</summary>
    public static WebApplication MapEmbeddedAdapters(this WebApplication app)
    {
        if (app.Services.GetService<HostedAdapters>() is { } hosted)
            foreach (var (name, settings, map) in hosted.All)
                map(app.MapGroup($"/adapters/{name}"), settings);
        return app;
    }

    private sealed class HostedAdapters
    {
        public List<(string Name, AdapterSettings Settings, Action<IEndpointRouteBuilder, AdapterSettings> Map)> All { get; } = [];

        public void Add(string name, AdapterSettings settings, Action<IEndpointRouteBuilder, AdapterSettings> map) => All.Add((name, settings, map));
    }
}
