using MassTransit;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace EscalationHub.Messaging;

/// <summary>
/// Looks on the broker, every <see cref="BusSettings.ConsumerCheck"/>, whether each queue this process consumes from
/// has a consumer (a passive declare on a connection of its own), and acts on <see cref="ConsumerWatch"/>'s decision:
/// restart the bus, or exit with <see cref="ExitCode"/> for the supervisor (compose: restart unless-stopped) to
/// start the process again. A process whose bus has silently stopped consuming otherwise looks healthy while its
/// agency's messages wait in the queue. Limitation: a second process consuming the same queue (a hub replica) hides
/// this one's missing consumer.
/// </summary>
internal sealed class ConsumerWatchdog(IOptions<BusSettings> options, BusEndpoints endpoints, IBusControl bus,
    IHostApplicationLifetime lifetime, ILogger<ConsumerWatchdog> logger) : BackgroundService
{
    /// <summary>EX_TEMPFAIL: start me again.</summary>
    public const int ExitCode = 75;

    private readonly HashSet<string> notChecked = new(StringComparer.Ordinal);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        var watch = new ConsumerWatch(settings.ConsumerMissingFor);
        var queues = endpoints.Endpoints.Select(e => e.QueueName).Distinct().Order(StringComparer.Ordinal).ToList();
        if (queues.Count == 0 || settings.ConsumerCheck <= TimeSpan.Zero) return;
        IConnection? connection = null;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await Task.Delay(settings.ConsumerCheck, stoppingToken);
                List<(string, int)> counts;
                try
                {
                    connection ??= await BrokerConnection.From(settings, checkFiles: false).ConnectAsync("escalationhub-consumer-watchdog", stoppingToken);
                    counts = await CountAsync(connection, queues, stoppingToken);
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    logger.LogDebug(ex, "Consumer watchdog: the broker did not answer");
                    watch.BrokerUnreachable();
                    await DisposeAsync(connection);
                    connection = null;
                    continue;
                }

                switch (watch.Observe(DateTimeOffset.UtcNow, counts)) // real time: a demo's moved procedure clock is not the broker's
                {
                    case ConsumerWatchAction.RestartBus:
                        logger.LogError("No consumer on {Queues} for {Missing} while the broker answers: restarting the bus",
                            string.Join(", ", watch.Stalled), settings.ConsumerMissingFor);
                        await RestartBusAsync(stoppingToken);
                        break;
                    case ConsumerWatchAction.Exit:
                        logger.LogCritical("Still no consumer on {Queues} after restarting the bus: exiting with {Code} for the supervisor to start this process again",
                            string.Join(", ", watch.Stalled), ExitCode);
                        Environment.ExitCode = ExitCode;
                        lifetime.StopApplication();
                        return;
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            await DisposeAsync(connection);
        }
    }

    /// <summary>Consumers per queue; a queue that is not there counts 0. A queue this process may not even look at
    /// (ACCESS_REFUSED) is left out, with one warning.</summary>
    private async Task<List<(string, int)>> CountAsync(IConnection connection, List<string> queues, CancellationToken cancellationToken)
    {
        var counts = new List<(string, int)>();
        IChannel? channel = null;
        try
        {
            foreach (var queue in queues.Where(q => !notChecked.Contains(q)))
            {
                channel ??= await connection.CreateChannelAsync(cancellationToken: cancellationToken);
                try
                {
                    var ok = await channel.QueueDeclarePassiveAsync(queue, cancellationToken);
                    counts.Add((queue, (int)ok.ConsumerCount));
                }
                catch (OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode is 404 or 403)
                {
                    await DisposeAsync(channel); // the broker closed it
                    channel = null;
                    if (ex.ShutdownReason.ReplyCode == 404)
                    {
                        counts.Add((queue, 0));
                        continue;
                    }
                    notChecked.Add(queue);
                    logger.LogWarning("Consumer watchdog may not look at {Queue} ({Reason}); not watching it", queue, ex.ShutdownReason.ReplyText);
                }
            }
            return counts;
        }
        finally
        {
            await DisposeAsync(channel);
        }
    }

    private async Task RestartBusAsync(CancellationToken stoppingToken)
    {
        try
        {
            using var stopping = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            stopping.CancelAfter(TimeSpan.FromSeconds(30));
            await bus.StopAsync(stopping.Token);
        }
        catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
        {
            logger.LogWarning(ex, "The bus did not stop cleanly; starting it again anyway");
        }
        try
        {
            await bus.StartAsync(stoppingToken);
            logger.LogWarning("Bus restarted by the consumer watchdog");
        }
        catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
        {
            logger.LogError(ex, "The bus did not start again; the watchdog will exit if its queues stay without a consumer");
        }
    }

    private static async Task DisposeAsync(IAsyncDisposable? disposable)
    {
        if (disposable is null) return;
        try { await disposable.DisposeAsync(); }
        catch (Exception) { /* closing what the broker already closed */ }
    }
}
