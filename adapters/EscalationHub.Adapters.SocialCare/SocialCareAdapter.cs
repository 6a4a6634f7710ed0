using EscalationHub.Adapters.Runtime;
using EscalationHub.Adapters.Runtime.AgencySystem;

namespace EscalationHub.Adapters.SocialCare;

public static class SocialCareAdapter
{
    public const string DefaultAgencyCode = "leics-socialcare";

    /// <summary>Hosts the children's social care adapter: referrals addressed to the local authority go to its case
    /// system (webhook at AgencySystem:Url, or the simulator), whose acknowledgement and decision come back on
    /// POST /responses.</summary>
    public static AdapterSettings AddSocialCareAdapter(this IHostApplicationBuilder builder, IConfigurationSection section, string defaultDataDirectory = "data")
    {
        var settings = AdapterSettings.Read(section, DefaultAgencyCode, defaultDataDirectory);
        builder.AddWebhookAgencyAdapter(settings, sp => new SimulatedSocialCareSystem(
            sp.GetRequiredService<AgencyAdapters>().ForAgency(settings.AgencyCode), sp.GetRequiredService<AgencyResponses>()));
        // SocialCare:OutageFile: while that file exists the case system is "down" (operators rehearse dead letters and redrive).
        if (builder.Configuration["SocialCare:OutageFile"] is { Length: > 0 } outageFile)
            builder.Services.AddKeyedSingleton<IAgencySystemAvailability>(settings.AgencyCode, new SimulatedOutage("children's social care", outageFile));
        return settings;
    }

    public static IEndpointRouteBuilder MapSocialCareAdapter(this IEndpointRouteBuilder routes, AdapterSettings settings)
    {
        var system = routes.MapAgencySystem(settings);
        system.MapAgencyResponses(settings.AgencyCode, ResponsePolicy.AnyRole);
        system.MapAgencyDisagreements(settings.AgencyCode);
        return routes;
    }
}
