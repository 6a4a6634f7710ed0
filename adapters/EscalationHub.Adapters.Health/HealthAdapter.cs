using EscalationHub.Adapters.Health.Epr;
using EscalationHub.Adapters.Health.Fhir;
using EscalationHub.Adapters.Health.Mllp;
using EscalationHub.Adapters.Health.Referrals;
using EscalationHub.Adapters.Runtime;
using EscalationHub.Adapters.Runtime.AgencySystem;

namespace EscalationHub.Adapters.Health;

public static class HealthAdapter
{
    public const string DefaultAgencyCode = "uhl-health";

    /// <summary>Hosts the health adapter: ICE referrals over MLLP (Mllp:Port) and FHIR (mapped by
    /// <see cref="MapHealthAdapter"/>) become RaiseConcern; the hospital's disagreement commands come as FHIR Tasks
    /// (POST /fhir/Task) or JSON (POST /disagreements); the hub's feedback on referrals and disagreements goes to the
    /// EPR's FHIR base (AgencySystem:Url, or the simulated EPR) as Task updates and Communications. LocalAuthorities / DefaultLocalAuthority pick the
    /// addressee from the child's postcode.</summary>
    public static AdapterSettings AddHealthAdapter(this IHostApplicationBuilder builder, IConfigurationSection section, string defaultDataDirectory = "data")
    {
        var settings = AdapterSettings.Read(section, DefaultAgencyCode, defaultDataDirectory);
        var health = section.Get<HealthSettings>() ?? new HealthSettings();
        health.Mllp.Validate();
        builder.AddAgencyAdapter(settings.AgencyCode, settings.DataDirectory, _ => { }, (_, _) => { });

        var services = builder.Services;
        services.AddSingleton(health);
        services.AddSingleton(sp => new ReferralIntake(settings.AgencyCode, sp.GetRequiredService<HubSender>(), health,
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<ReferralIntake>>()));
        services.AddSingleton<MllpListener>();
        services.AddHostedService(sp => sp.GetRequiredService<MllpListener>());
        services.AddSingleton(sp => new ReferralTasks(sp.GetRequiredService<AgencyAdapters>().ForAgency(settings.AgencyCode).Inbox.DatabasePath));
        services.AddKeyedSingleton<IConcernFeedback>(settings.AgencyCode, (sp, _) => new EprTaskFeedback(
            sp.GetRequiredService<ReferralTasks>(), sp.GetRequiredService<TimeProvider>()));
        // Disagreements the hospital is party to: Task updates (and Communications) to the EPR.
        services.AddKeyedSingleton<IDisagreementFeedback>(settings.AgencyCode, (sp, _) => new EprDisagreementFeedback(
            sp.GetRequiredService<AgencyAdapters>().ForAgency(settings.AgencyCode).Inbox.DatabasePath, sp.GetRequiredService<TimeProvider>()));
        // Another agency joining a child file the hospital holds: a Communication to the EPR.
        services.AddKeyedSingleton<IChildFileFeedback>(settings.AgencyCode, (sp, _) => new EprChildFileFeedback(sp.GetRequiredService<TimeProvider>()));
        builder.AddAgencySystemDelivery(settings, FhirEndpoints.FhirJson,
            sp => new SimulatedEpr(sp.GetRequiredService<AgencyAdapters>().ForAgency(settings.AgencyCode)));
        return settings;
    }

    public static IEndpointRouteBuilder MapHealthAdapter(this IEndpointRouteBuilder routes, AdapterSettings settings)
    {
        var fhir = AgencySystemRoutes.For(routes, settings, FhirEndpoints.Format);
        fhir.MapFhirReferrals();
        fhir.MapFhirDisagreements(settings.AgencyCode);
        routes.MapFhirMetadata(settings.AgencyCode); // public, as FHIR servers serve it (see FhirEndpoints.MapFhirMetadata)
        routes.MapAgencySystem(settings).MapAgencyDisagreements(settings.AgencyCode);
        return routes;
    }
}
