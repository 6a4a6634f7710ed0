using EscalationHub.Domain.Calendar;
using EscalationHub.Server.Concerns;
using EscalationHub.Messaging;
using MassTransit;
using MassTransit.Middleware;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace EscalationHub.Server.Operations;

public static class OperationsRegistration
{

    /// <summary>Flow events, dead letters and redrive, adapters' health, late stages, the partnership's report, the
    /// Operations gRPC service, the dashboard on its own port, and telemetry. Call before AddHubMessaging.</summary>
    public static WebApplicationBuilder AddOperations(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSingleton<FlowSignal>();
        services.AddSingleton<OperatorToken>();
        services.AddSingleton<DeadLetterFilter>();
        services.TryAddSingleton(sp => sp.GetRequiredService<IConfiguration>().GetSection("WorkingCalendar").Get<WorkingCalendarOptions>()?.Build()
            ?? WorkingCalendar.EnglandAndWales);
        services.AddConcernDecisionRule(builder.Configuration);
        services.AddScoped<FlowQueries>();
        services.AddScoped<GetFlowStatistics>();
        services.AddScoped<RedriveDeadLetters>();
        services.AddScoped<ListAdapters>();
        services.AddScoped<ListOverdueStages>();
        services.AddScoped<IStageDeadlineSource, ConcernDecisionDeadlines>();
        services.AddScoped<IStageDeadlineSource, DisagreementStageDeadlines>();
        services.AddScoped<IReportCaseSource, ConcernReportCases>();
        services.AddScoped<IReportCaseSource, DisagreementReportCases>();
        services.AddScoped<BuildPartnershipReport>();
        services.AddScoped<ReadQueueDepths>();
        services.AddHttpClient();
        // The broker's management API (Operations:RabbitMqManagement): over https, trusting only Messaging:CaCertificate.
        services.AddHttpClient("rabbitmq-management").ConfigurePrimaryHttpMessageHandler(sp =>
            BrokerConnection.ManagementHandler(sp.GetRequiredService<IOptions<BusSettings>>().Value));
        services.AddHostedService<FlowRetention>();
        services.AddSingleton<ErrorQueueCleaner>();
        services.AddHostedService<BrokerDeadLetterScanner>();

        // Every endpoint in this process (the hub's, and in the embedded default the adapters') records what it
        // dead-letters before MassTransit moves it to the _error queue. No Fault<T> is generated: faults are not
        // published on this bus (nobody subscribes, and per-agency broker users may not declare their exchanges).
        services.GetBusEndpoints().Conventions.Add((e, context) => e.ConfigureError(x =>
        {
            x.UseFilter(context.GetRequiredService<DeadLetterFilter>());
            x.UseFilter(new ErrorTransportFilter());
        }));

        builder.AddEscalationHubTelemetry("escalationhub-hub");
        services.AddOpenTelemetry()
            .WithTracing(t => t.AddSource(HubTelemetry.Name).AddAspNetCoreInstrumentation(o =>
                o.Filter = http => !http.Request.Path.StartsWithSegments("/metrics") && !http.Request.Path.StartsWithSegments("/api")))
            // System.Runtime: the runtime's own meter (GC heap, working set, thread pool), for memory over time.
            .WithMetrics(m => m.AddMeter(HubTelemetry.Name, "System.Runtime").AddAspNetCoreInstrumentation().AddPrometheusExporter());

        DashboardHosting.ConfigureListeners(builder);
        return builder;
    }

    public static WebApplication MapOperations(this WebApplication app)
    {
        app.MapGrpcService<OperationsService>().RequireListener(HubListeners.Grpc);
        var listeners = app.Services.GetRequiredService<HubListeners>();
        if (!listeners.Has(HubListeners.Dashboard)) return app;

        app.UseWhen(http => listeners.Accepted(HubListeners.Dashboard, http.Connection), dashboard => dashboard
            .Use(async (http, next) =>
            {
                // The page and its scripts come only from the hub; nothing is fetched from elsewhere.
                http.Response.Headers.ContentSecurityPolicy = "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'";
                http.Response.Headers.XContentTypeOptions = "nosniff";
                http.Response.Headers.CacheControl = "no-store";
                await next();
            })
            .UseDefaultFiles()
            .UseStaticFiles());
        app.MapDashboardApi();
        app.MapPrometheusScrapingEndpoint("/metrics").RequireListener(HubListeners.Dashboard);

        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
            foreach (var address in addresses.Where(a => DashboardHosting.IsDashboardAddress(app.Configuration, a)))
                Console.WriteLine($"EscalationHub dashboard on {address}/ (operators; Prometheus metrics at {address}/metrics)");
            if (app.Services.GetRequiredService<OperatorToken>().FilePath is { } tokenFile)
                Console.WriteLine($"EscalationHub operator token in {tokenFile}");
        });
        return app;
    }
}
