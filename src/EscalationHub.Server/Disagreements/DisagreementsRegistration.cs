using EscalationHub.Messaging;

namespace EscalationHub.Server.Disagreements;

public static class DisagreementsRegistration
{
    /// <summary>Disagreements: the use-case handlers, the store, the deadline scheduler and the bus commands.</summary>
    public static IHostApplicationBuilder AddDisagreements(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.Configure<EscalationOptions>(builder.Configuration.GetSection(EscalationOptions.Section));
        services.AddSingleton<DisagreementSignals>();
        services.AddScoped<DisagreementStore>();
        services.AddScoped<OpenDisagreementHandler>();
        services.AddScoped<RecordDiscussionHandler>();
        services.AddScoped<ApproveDisagreementRecordHandler>();
        services.AddScoped<EscalateDisagreementHandler>();
        services.AddScoped<EscalationRecords.GetEscalationRecordHandler>();
        services.AddScoped<ResolveDisagreementHandler>();
        services.AddScoped<DecideFinalOutcomeHandler>();
        services.AddScoped<GiveFeedbackHandler>();
        services.AddScoped<RecordLearningHandler>();
        services.AddScoped<CloseDisagreementHandler>();
        services.AddScoped<EscalateOverdueHandler>();
        services.AddHostedService<DeadlineScheduler>();
        services.AddHostedService<EscalationRecords.EscalationRecordBinder>();
        return builder;
    }
}
