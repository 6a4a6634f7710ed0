using EscalationHub.Domain.Calendar;
using EscalationHub.Messaging;
using MassTransit;
using MassTransit.Middleware;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace EscalationHub.Server.Operations;

/// <summary>The RequireHost patterns ("*:5081") of the dashboard's listeners; empty when the dashboard is off.</summary>
public sealed record DashboardHosts(string[] Patterns);

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

        services.AddSingleton(new DashboardHosts(DashboardHosting.ConfigureListeners(builder)));
        return builder;
    }

    public static WebApplication MapOperations(this WebApplication app)
    {
        app.MapGrpcService<OperationsService>();
        var hosts = app.Services.GetRequiredService<DashboardHosts>().Patterns;
        if (hosts.Length == 0) return app;

        var ports = hosts.Select(h => int.Parse(h[(h.LastIndexOf(':') + 1)..])).ToHashSet();
        app.UseWhen(http => ports.Contains(http.Connection.LocalPort), dashboard => dashboard
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
        app.MapDashboardApi(hosts);
        app.MapPrometheusScrapingEndpoint("/metrics").RequireHost(hosts);

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
