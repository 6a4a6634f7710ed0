using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;

namespace EscalationHub.Messaging;

/// <summary>Declares every queue this process sends to exactly as MassTransit's receive endpoint declares it
/// (a fanout exchange bound to a durable queue of the same name), and the exchange-to-exchange bindings the
/// process relies on, so that a message sent before its consumer ever started is queued, not dropped as
/// unroutable. Senders wait for <see cref="BusEndpoints.SendQueuesDeclared"/>; while the broker is unreachable
/// this keeps trying.</summary>
internal sealed class DurableTopology(IOptions<BusSettings> options, BusEndpoints endpoints, ILogger<DurableTopology> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromMilliseconds(250);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await DeclareAsync(stoppingToken);
                endpoints.MarkSendQueuesDeclared();
                return;
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(ex, "Could not declare the durable queues yet; retrying in {Delay}", delay);
                await Task.Delay(delay, stoppingToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(10).Ticks));
            }
        }
    }

    private async Task DeclareAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        await using var connection = await BrokerConnection.From(settings).ConnectAsync("escalationhub-topology", cancellationToken);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
        var arguments = settings.QuorumQueues ? new Dictionary<string, object?> { ["x-queue-type"] = "quorum" } : null;
        foreach (var queue in endpoints.SendQueues.Order())
        {
            await channel.ExchangeDeclareAsync(queue, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: cancellationToken);
            await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, arguments: arguments, cancellationToken: cancellationToken);
            await channel.QueueBindAsync(queue, queue, "", cancellationToken: cancellationToken);
        }
        foreach (var binding in endpoints.ExchangeBindings.OrderBy(b => b.Source, StringComparer.Ordinal))
        {
            await channel.ExchangeDeclareAsync(binding.Source, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: cancellationToken);
            await channel.ExchangeBindAsync(binding.Destination, binding.Source, "", cancellationToken: cancellationToken);
        }
        logger.LogInformation("Declared durable queues: {Queues}; exchange bindings: {Bindings}", string.Join(", ", endpoints.SendQueues.Order()),
            string.Join(", ", endpoints.ExchangeBindings.Select(b => $"{b.Source} -> {b.Destination}").Order()));
    }
}
