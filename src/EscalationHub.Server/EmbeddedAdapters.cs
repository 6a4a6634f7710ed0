using EscalationHub.Adapters.SocialCare;
using EscalationHub.Messaging;

namespace EscalationHub.Server;

public static class EmbeddedAdapters
{
    /// <summary>The embedded default hosts the agency adapters in the hub's process, on the same bus, so one command
    /// runs the whole system. On by default when no broker is configured (Adapters:Embedded overrides).</summary>
    public static IHostApplicationBuilder AddEmbeddedAdapters(this IHostApplicationBuilder builder)
    {
        var usesBroker = !string.IsNullOrWhiteSpace(builder.Configuration[$"{BusSettings.Section}:RabbitMq"]);
        if (!builder.Configuration.GetValue("Adapters:Embedded", !usesBroker)) return builder;

        // The embedded adapters keep their verified ledger copies through the hub's own gRPC API, as remote ones do.
        if (string.IsNullOrWhiteSpace(builder.Configuration["Hub:Address"]) && builder.Configuration["Urls"] is { } urls)
            builder.Configuration["Hub:Address"] = urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)[0];
        var dataDirectory = Path.GetDirectoryName(Path.GetFullPath(builder.Configuration["Store:Path"] ?? Path.Combine("data", "hub.db")))!;
        builder.AddSocialCareAdapter(builder.Configuration["Adapters:SocialCare:AgencyCode"] ?? "leics-socialcare", dataDirectory);
        return builder;
    }
}
