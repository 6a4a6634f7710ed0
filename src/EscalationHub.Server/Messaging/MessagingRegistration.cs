using EscalationHub.Contracts.Messages;
using EscalationHub.Messaging;
using EscalationHub.Server.Agencies;
using EscalationHub.Server.Concerns;
using EscalationHub.Server.Operations;
using EscalationHub.Server.Disagreements;
using MassTransit;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace EscalationHub.Server.Messaging;

public static class MessagingRegistration
{
    /// <summary>The hub's side of the bus: its inbound queue and consumers, the outbox and its dispatcher, and a
    /// durable queue for every registered agency. Call after every module that adds endpoints.</summary>
    public static IHostApplicationBuilder AddHubMessaging(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.Configure<OutboxOptions>(builder.Configuration.GetSection(OutboxOptions.Section));
        services.AddSingleton<OutboxSignal>();
        services.AddScoped<HubInbox>();
        services.AddHostedService<OutboxDispatcher>();

        var endpoints = services.GetBusEndpoints();
        // The hub's inbound queue exists before the agencies' inbound exchanges are bound to it.
        endpoints.SendQueues.Add(Addresses.HubInbound);
        foreach (var agency in new AgencyDirectory(builder.Configuration).All)
        {
            endpoints.SendQueues.Add(Addresses.AgencyQueue(agency.Code));
            endpoints.ExchangeBindings.Add(new ExchangeBinding(Addresses.HubInboundFrom(agency.Code), Addresses.HubInbound));
        }
        endpoints.Endpoints.Add(new EndpointDefinition(
            Addresses.HubInbound,
            x =>
            {
                x.AddConsumer<RaiseConcernConsumer>();
                x.AddConsumer<AcknowledgeConcernConsumer>();
                x.AddConsumer<DecideConcernConsumer>();
                x.AddConsumer<MessageDeliveredConsumer>();
                x.AddConsumer<AdapterHeartbeatConsumer>();
                x.AddConsumer<DisagreementCommandConsumer>();
                Ledger.LedgerRegistration.AddLedgerConsumers(x);
            },
            (e, context) =>
            {
                e.UseConsumeFilter(typeof(SenderCheckFilter<>), context); // a command acts only for the agency that sent it
                e.ConfigureConsumer<RaiseConcernConsumer>(context);
                e.ConfigureConsumer<AcknowledgeConcernConsumer>(context);
                e.ConfigureConsumer<DecideConcernConsumer>(context);
                e.ConfigureConsumer<MessageDeliveredConsumer>(context);
                e.ConfigureConsumer<AdapterHeartbeatConsumer>(context);
                e.ConfigureConsumer<DisagreementCommandConsumer>(context);
                Ledger.LedgerRegistration.ConfigureLedgerConsumers(e, context);
            }));

        builder.AddEscalationHubBus();
        services.AddHealthChecks().AddCheck<SendQueuesHealthCheck>("send-queues");
        return builder;
    }

    private sealed class SendQueuesHealthCheck(BusEndpoints endpoints) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(endpoints.SendQueuesDeclared.IsCompletedSuccessfully
                ? HealthCheckResult.Healthy()
                : HealthCheckResult.Unhealthy("the agency queues are not declared on the broker yet"));
    }
}
