using EscalationHub.Adapters.Runtime;
using EscalationHub.Adapters.Runtime.AgencySystem;

namespace EscalationHub.Adapters.Education;

public static class EducationAdapter
{
    public const string DefaultAgencyCode = "oakfield-school";

    /// <summary>Hosts the education adapter: the school raises concerns on POST /concerns (to LocalAuthority unless it
    /// names another agency), receives those that name it and the hub's feedback as webhook calls (AgencySystem:Url,
    /// or the simulator), and answers on POST /responses.</summary>
    public static AdapterSettings AddEducationAdapter(this IHostApplicationBuilder builder, IConfigurationSection section, string defaultDataDirectory = "data")
    {
        var settings = AdapterSettings.Read(section, DefaultAgencyCode, defaultDataDirectory);
        builder.AddWebhookAgencyAdapter(settings, sp => new SimulatedSchoolSafeguardingSystem(
            sp.GetRequiredService<AgencyAdapters>().ForAgency(settings.AgencyCode), sp.GetRequiredService<AgencyResponses>()));
        return settings;
    }

    public static IEndpointRouteBuilder MapEducationAdapter(this IEndpointRouteBuilder routes, AdapterSettings settings)
    {
        var system = routes.MapAgencySystem(settings);
        system.MapRaiseConcern(settings.AgencyCode, settings.Section["LocalAuthority"] is { Length: > 0 } la ? la : "leics-socialcare");
        system.MapAgencyResponses(settings.AgencyCode, ResponsePolicy.AnyRole);
        system.MapAgencyDisagreements(settings.AgencyCode);
        return routes;
    }
}
