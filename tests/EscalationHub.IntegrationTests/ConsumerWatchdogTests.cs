using EscalationHub.IntegrationTests.Infrastructure;
using EscalationHub.Messaging;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using RabbitMQ.Client;

namespace EscalationHub.IntegrationTests;

/// <summary>
/// A process whose bus stopped consuming while the process runs (what MassTransit 8 sometimes does after a broker
/// restart: the FaultInjectionTests' hospital adapter once left its queue without a consumer for good) consumes again:
/// its watchdog sees no consumer on its queue on a real RabbitMQ node and restarts the bus.
/// </summary>
[Collection(BrokerCollection.Name)]
public sealed class ConsumerWatchdogTests(RabbitMqNode broker)
{
    private const string Queue = "watchdog.test";

    [Fact]
    public async Task A_bus_that_stopped_consuming_while_its_process_runs_is_restarted_and_consumes_what_waited_in_its_queue()
    {
        var uri = await broker.NewVirtualHostAsync();
        using var host = BuildHost(uri);
        await host.StartAsync();
        try
        {
            var bus = host.Services.GetRequiredService<IBusControl>();
            await Eventually.TrueAsync(async () => await ConsumersAsync(uri) == 1, "the bus consumes from its queue", TimeSpan.FromSeconds(30));

            await bus.StopAsync(); // the process runs on; nothing consumes its queue
            Assert.Equal(0, await ConsumersAsync(uri));
            var waiting = Guid.NewGuid();
            await PublishRawAsync(uri, waiting);

            await Eventually.TrueAsync(() => Task.FromResult(host.Services.GetRequiredService<Pings>().Received.ContainsKey(waiting)),
                "the message that waited in the queue is consumed after the watchdog restarts the bus", TimeSpan.FromSeconds(60));
            Assert.Equal(1, await ConsumersAsync(uri));
        }
        finally
        {
            await host.StopAsync();
        }
    }

    private static IHost BuildHost(string uri)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = "Production" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Messaging:RabbitMq"] = uri,
            ["Messaging:ConsumerCheck"] = "00:00:01",
            ["Messaging:ConsumerMissingFor"] = "00:00:03",
        });
        builder.Services.AddLogging();
        builder.Services.AddSingleton<Pings>();
        builder.Services.GetBusEndpoints().Endpoints.Add(new EndpointDefinition(Queue,
            x => x.AddConsumer<PingConsumer>(), (e, context) => e.ConfigureConsumer<PingConsumer>(context)));
        builder.AddEscalationHubBus();
        return builder.Build();
    }

    private static async Task<int> ConsumersAsync(string uri)
    {
        await using var connection = await new ConnectionFactory { Uri = new Uri(uri) }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        try
        {
            return (int)(await channel.QueueDeclarePassiveAsync(Queue)).ConsumerCount;
        }
        catch (RabbitMQ.Client.Exceptions.OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == 404)
        {
            return 0; // not declared yet
        }
    }

    /// <summary>A MassTransit envelope written straight to the queue's exchange, as another process's bus would.</summary>
    private static async Task PublishRawAsync(string uri, Guid id)
    {
        await using var connection = await new ConnectionFactory { Uri = new Uri(uri) }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        var envelope = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(new
        {
            messageId = Guid.NewGuid(),
            messageType = new[] { $"urn:message:{typeof(WatchdogPing).Namespace}:{nameof(WatchdogPing)}" },
            message = new { id },
        });
        var properties = new BasicProperties { ContentType = "application/vnd.masstransit+json", Persistent = true };
        await channel.BasicPublishAsync(Queue, "", mandatory: true, properties, envelope);
    }
}

public sealed record WatchdogPing(Guid Id);

public sealed class PingConsumer(Pings pings) : IConsumer<WatchdogPing>
{
    public Task Consume(ConsumeContext<WatchdogPing> context)
    {
        pings.Received.TryAdd(context.Message.Id, 0);
        return Task.CompletedTask;
    }
}

public sealed class Pings
{
    public System.Collections.Concurrent.ConcurrentDictionary<Guid, byte> Received { get; } = new();
}
