using EscalationHub.Adapters.Runtime;
using EscalationHub.Adapters.Runtime.AgencySystem;

namespace EscalationHub.Adapters.Police;

public static class PoliceAdapter
{
    public const string DefaultAgencyCode = "leics-police";

    /// <summary>A police decision is a supervisor's: a sergeant or an inspector (detective or not) or above.</summary>
    public static ResponsePolicy Policy { get; } = new(
        ["Detective Sergeant", "Detective Inspector", "Detective Chief Inspector", "Detective Superintendent", "Sergeant", "Inspector", "Chief Inspector"]);

    /// <summary>Hosts the police adapter: concerns that name the police go to the case system's webhook (AgencySystem:Url,
    /// or the simulator), whose acknowledgement and decision come back on POST /responses.</summary>
    public static AdapterSettings AddPoliceAdapter(this IHostApplicationBuilder builder, IConfigurationSection section, string defaultDataDirectory = "data")
    {
        var settings = AdapterSettings.Read(section, DefaultAgencyCode, defaultDataDirectory);
        builder.AddWebhookAgencyAdapter(settings, sp => new SimulatedPoliceCaseSystem(
            sp.GetRequiredService<AgencyAdapters>().ForAgency(settings.AgencyCode), sp.GetRequiredService<AgencyResponses>()));
        return settings;
    }

    public static IEndpointRouteBuilder MapPoliceAdapter(this IEndpointRouteBuilder routes, AdapterSettings settings)
    {
        var system = routes.MapAgencySystem(settings);
        system.MapAgencyResponses(settings.AgencyCode, Policy);
        system.MapAgencyDisagreements(settings.AgencyCode);
        return routes;
    }
}
