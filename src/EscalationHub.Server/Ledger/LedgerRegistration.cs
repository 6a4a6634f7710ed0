using EscalationHub.Server.Operations;
using EscalationHub.Server.Store;
using MassTransit;

namespace EscalationHub.Server.Ledger;

public static class LedgerRegistration
{
    /// <summary>The shared ledger: the hub's signing key (generated into the data folder on first start), the scoped
    /// <see cref="LedgerWriter"/> commands stage entries with, approvals and agency keys, and the Ledger gRPC service.</summary>
    public static IHostApplicationBuilder AddHubLedger(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton(sp => HubSigningKey.LoadOrCreate(Path.GetDirectoryName(sp.GetRequiredService<StoreLocation>().Path)!));
        builder.Services.AddSingleton<LedgerCommits>();
        builder.Services.AddScoped<LedgerWriter>();
        builder.Services.AddScoped<ChildFileReadAudit>();
        builder.Services.AddSingleton(builder.Configuration.GetSection(ReadAuditSettings.Section).Get<ReadAuditSettings>() ?? new ReadAuditSettings());
        builder.Services.AddSingleton<ReadAuditWindows>();
        // After the store's group commit, so it stops before it and writes the counted reads at stop.
        builder.Services.AddHostedService<ReadAuditFlusher>();
        builder.Services.AddScoped<ApproveRecordHandler>();
        builder.Services.AddScoped<RegisterAgencyKeyHandler>();
        return builder;
    }

    /// <summary>The ledger's consumers on the hub's inbound queue.</summary>
    public static void AddLedgerConsumers(IBusRegistrationConfigurator x)
    {
        x.AddConsumer<ApproveRecordConsumer>();
        x.AddConsumer<RegisterAgencyKeyConsumer>();
        x.AddConsumer<LedgerMismatchDetectedConsumer>();
    }

    public static void ConfigureLedgerConsumers(IReceiveEndpointConfigurator e, IBusRegistrationContext context)
    {
        e.ConfigureConsumer<ApproveRecordConsumer>(context);
        e.ConfigureConsumer<RegisterAgencyKeyConsumer>(context);
        e.ConfigureConsumer<LedgerMismatchDetectedConsumer>(context);
    }

    public static WebApplication MapHubLedger(this WebApplication app)
    {
        app.MapGrpcService<LedgerService>().RequireListener(Operations.HubListeners.Grpc);
        return app;
    }
}
