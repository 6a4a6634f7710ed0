using EscalationHub.Messaging;
using System.Text.Json;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EscalationHub.Adapters.Runtime.AgencySystem;

/// <summary>One adapter's settings: a standalone adapter reads section "Adapter", the embedded default
/// "Adapters:{Name}" (AgencyCode, DataDirectory, AgencySystem: {Url, InitialBackoff, MaxBackoff, RequestTimeout}).</summary>
public sealed record AdapterSettings(string AgencyCode, string DataDirectory, AgencySystemOptions AgencySystem, IConfigurationSection Section)
{
    public static AdapterSettings Read(IConfigurationSection section, string defaultAgencyCode, string defaultDataDirectory) => new(
        section["AgencyCode"] is { Length: > 0 } code ? code : defaultAgencyCode,
        section["DataDirectory"] is { Length: > 0 } directory ? directory : defaultDataDirectory,
        section.GetSection("AgencySystem").Get<AgencySystemOptions>() ?? new AgencySystemOptions(),
        section);
}

public static class AgencySystemRegistration
{
    /// <summary>The worker that delivers what this adapter owes its agency system: over HTTP to AgencySystem:Url, or to
    /// the in-process simulator when no Url is set.</summary>
    public static IHostApplicationBuilder AddAgencySystemDelivery(this IHostApplicationBuilder builder, AdapterSettings settings,
        string contentType, Func<IServiceProvider, IAgencySystemTransport> simulator)
    {
        builder.Services.TryAddSingleton<AgencyResponses>();
        builder.Services.TryAddSingleton<AgencyDisagreements>();
        // Made (or read) when the adapter's endpoints are mapped, so at start: its path is logged, never the secret.
        builder.Services.AddKeyedSingleton(settings.AgencyCode, (sp, _) =>
            AgencySystemCredential.LoadOrCreate(settings, sp.GetRequiredService<ILoggerFactory>().CreateLogger<AgencySystemCredential>()));
        builder.Services.AddSingleton<IHostedService>(sp =>
        {
            var options = settings.AgencySystem;
            var transport = options.UsesSimulator
                ? simulator(sp)
                : new HttpAgencySystemTransport(new HttpClient { Timeout = Timeout.InfiniteTimeSpan }, new Uri(options.Url!), contentType);
            return new AgencyDeliveryWorker(sp.GetRequiredService<AgencyAdapters>().ForAgency(settings.AgencyCode), transport, options,
                sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<AgencyDeliveryWorker>>());
        });
        return builder;
    }

    /// <summary>An agency reached by webhook (police, social care, education): concerns addressed to it and feedback on
    /// concerns it raised become webhook calls to its system; its answers come back through <see cref="MapAgencyResponses"/>.</summary>
    public static IHostApplicationBuilder AddWebhookAgencyAdapter(this IHostApplicationBuilder builder, AdapterSettings settings,
        Func<IServiceProvider, IAgencySystemTransport> simulator)
    {
        builder.AddAgencyAdapter(settings.AgencyCode, settings.DataDirectory,
            x => x.AddConsumer<ConcernRaisedConsumer>(),
            (e, context) => e.ConfigureConsumer<ConcernRaisedConsumer>(context));
        builder.Services.AddKeyedSingleton<IConcernFeedback, WebhookConcernFeedback>(settings.AgencyCode);
        builder.Services.AddKeyedSingleton<IDisagreementFeedback, WebhookDisagreementFeedback>(settings.AgencyCode);
        builder.Services.AddKeyedSingleton<IChildFileFeedback, WebhookChildFileFeedback>(settings.AgencyCode);
        return builder.AddAgencySystemDelivery(settings, "application/json", simulator);
    }

    /// <summary>The endpoints of an agency system's JSON interface: its credential and application/json first.</summary>
    public static AgencySystemRoutes MapAgencySystem(this IEndpointRouteBuilder routes, AdapterSettings settings) =>
        AgencySystemRoutes.For(routes, settings, AgencySystemFormat.Json);

    /// <summary>POST {prefix}/responses: the agency system's acknowledgement or decision on a concern sent to it.
    /// 202 once the hub's broker has the message; 400 problem details naming the field, and nothing sent, otherwise.</summary>
    public static IEndpointConventionBuilder MapAgencyResponses(this AgencySystemRoutes routes, string agencyCode, ResponsePolicy policy) =>
        routes.Routes.MapPost("/responses", async (HttpRequest request, AgencyResponses responses, CancellationToken cancellationToken) =>
        {
            var (body, problem) = await ReadJsonAsync(request, cancellationToken);
            if (problem is not null) return problem;
            var errors = await responses.SubmitAsync(agencyCode, body, policy, cancellationToken);
            return errors.HasErrors ? errors.ToResult() : Results.Accepted(value: new { status = "sent-to-hub" });
        });

    /// <summary>POST {prefix}/disagreements: a disagreement command from the agency system (open, record a discussion,
    /// escalate, resolve, ...; see <see cref="DisagreementCommandKinds"/>), sent to the hub as this agency. 202 once the
    /// hub's broker has it (the outcome comes back as "disagreement.*" webhook calls); 400 problem details naming the
    /// field, and nothing sent, otherwise. The same commandId posted again is applied once.</summary>
    public static IEndpointConventionBuilder MapAgencyDisagreements(this AgencySystemRoutes routes, string agencyCode) =>
        routes.Routes.MapPost("/disagreements", async (HttpRequest request, AgencyDisagreements disagreements, CancellationToken cancellationToken) =>
        {
            var (body, problem) = await ReadJsonAsync(request, cancellationToken);
            if (problem is not null) return problem;
            var errors = await disagreements.SubmitAsync(agencyCode, body, cancellationToken);
            return errors.HasErrors
                ? errors.ToResult()
                : Results.Accepted(value: new { commandId = body.GetProperty("commandId").GetString(), status = "sent-to-hub" });
        });

    public const int MaxBodyBytes = 64 * 1024;

    /// <summary>Reads a JSON body of at most 64 KiB; a problem result when it is missing, too large or not JSON.</summary>
    public static async Task<(JsonElement Body, IResult? Problem)> ReadJsonAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > MaxBodyBytes)
            return (default, ProblemFields.Single("$", $"the body must be at most {MaxBodyBytes} bytes"));
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > MaxBodyBytes) return (default, ProblemFields.Single("$", $"the body must be at most {MaxBodyBytes} bytes"));
        }
        try
        {
            using var document = JsonDocument.Parse(buffer.ToArray());
            return (document.RootElement.Clone(), null);
        }
        catch (JsonException ex)
        {
            return (default, ProblemFields.Single("$", $"is not valid JSON: {ex.Message}"));
        }
    }

    /// <summary>A standalone adapter's host: health checks (the bus included) at /health, and the hub's logging and
    /// telemetry (log lines with their UTC time, trace ids; MassTransit's spans), so an operator lines up every
    /// process's log. Inside the hub (the embedded default) the hub's own set-up serves.</summary>
    public static IHostApplicationBuilder AddAdapterHost(this IHostApplicationBuilder builder)
    {
        builder.AddEscalationHubTelemetry($"escalationhub-adapter-{builder.Configuration["Adapter:AgencyCode"]}");
        builder.Services.AddHealthChecks();
        return builder;
    }

    public static WebApplication MapAdapterHost(this WebApplication app)
    {
        app.MapHealthChecks("/health");
        return app;
    }
}
