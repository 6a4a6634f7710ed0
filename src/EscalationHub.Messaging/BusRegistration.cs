using System.Text.Json.Serialization;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace EscalationHub.Messaging;

public static class BusRegistration
{
    /// <summary>Builds the process's bus from the endpoints its modules contributed: RabbitMQ when
    /// Messaging:RabbitMq is set, MassTransit's in-memory transport otherwise. Call after every module.</summary>
    public static IHostApplicationBuilder AddEscalationHubBus(this IHostApplicationBuilder builder)
    {
        var settings = builder.Configuration.GetSection(BusSettings.Section).Get<BusSettings>() ?? new BusSettings();
        builder.Services.Configure<BusSettings>(builder.Configuration.GetSection(BusSettings.Section));
        var endpoints = builder.Services.GetBusEndpoints();

        // MassTransit 8 reports usage telemetry (host, versions, endpoints) to its vendor's server after the bus starts
        // unless told not to; nothing leaves the partnership. The variable would override the option, so it is pinned.
        Environment.SetEnvironmentVariable(UsageTelemetryVariable, "false");
        builder.Services.AddMassTransit(x =>
        {
            x.DisableUsageTelemetry();
            foreach (var endpoint in endpoints.Endpoints)
                endpoint.Register(x);

            if (settings.UsesBroker)
            {
                var broker = BrokerConnection.From(settings); // checked at start: a bad URI or a missing CA stops the process
                x.UsingRabbitMq((context, cfg) =>
                {
                    broker.ConfigureHost(cfg);
                    Configure(context, cfg, endpoints, settings);
                });
            }
            else
            {
                x.UsingInMemory((context, cfg) => Configure(context, cfg, endpoints, settings));
            }
        });

        if (settings.UsesBroker)
        {
            builder.Services.AddHostedService<DurableTopology>();
            builder.Services.AddHostedService<ConsumerWatchdog>();
        }
        else
            endpoints.MarkSendQueuesDeclared(); // the in-memory transport creates queues with the endpoints
        return builder;
    }

    /// <summary>MassTransit's switch for its usage telemetry, read when the bus is built; it overrides the option.</summary>
    public const string UsageTelemetryVariable = "MASSTRANSIT_USAGE_TELEMETRY";

    private static void Configure(IBusRegistrationContext context, IBusFactoryConfigurator cfg, BusEndpoints endpoints, BusSettings settings)
    {
        cfg.ConfigureJsonSerializerOptions(options =>
        {
            options.Converters.Add(new JsonStringEnumConverter());
            return options;
        });

        foreach (var endpoint in endpoints.Endpoints)
        {
            cfg.ReceiveEndpoint(endpoint.QueueName, e =>
            {
                e.ConfigureConsumeTopology = false; // point to point: nothing is fanned out by message type
                // Nor are faults: publishing Fault<T> would declare an exchange per message type, which the
                // per-agency broker users may not configure (and nobody subscribes). Failures go to _error.
                e.PublishFaults = false;
                e.PrefetchCount = settings.PrefetchCount;
                if (e is IRabbitMqReceiveEndpointConfigurator rabbit && settings.QuorumQueues)
                    rabbit.SetQuorumQueue();
                // Transient failures (a busy store) are retried; what still fails goes to the endpoint's _error queue.
                e.UseMessageRetry(r =>
                {
                    r.Ignore<RefusedMessageException>();
                    r.Intervals(100, 500, 2000, 5000);
                });
                foreach (var convention in endpoints.Conventions)
                    convention(e, context);
                endpoint.Configure(e, context);
            });
        }
    }

    internal static (string User, string Password) Credentials(Uri broker)
    {
        var parts = broker.UserInfo.Split(':', 2);
        return parts.Length == 2 && parts[0] != ""
            ? (Uri.UnescapeDataString(parts[0]), Uri.UnescapeDataString(parts[1]))
            : ("guest", "guest");
    }
}
