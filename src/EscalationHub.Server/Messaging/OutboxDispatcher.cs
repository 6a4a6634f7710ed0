using EscalationHub.Messaging;
using EscalationHub.Server.Operations;
using EscalationHub.Server.Store;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace EscalationHub.Server.Messaging;

public sealed class OutboxOptions
{
    public const string Section = "Outbox";

    /// <summary>Off only to prove recovery: a hub started with the dispatcher off commits but never sends.</summary>
    public bool DispatcherEnabled { get; set; } = true;

    public int BatchSize { get; set; } = 100;

    /// <summary>How often to look for unsent messages when nothing has signalled (e.g. another replica committed).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);
}

/// <summary>Sends committed outbox messages, oldest first, each with its outbox id as the MessageId (so a resend
/// after a crash is recognised by the receiver's inbox), and marks them sent once the broker has confirmed.
/// Unsent rows survive a restart and are sent when the hub comes back.</summary>
public sealed class OutboxDispatcher(
    IServiceScopeFactory scopes,
    IBus bus,
    BusEndpoints endpoints,
    OutboxSignal signal,
    FlowSignal flow,
    IOptions<OutboxOptions> options,
    TimeProvider clock,
    ILogger<OutboxDispatcher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (!settings.DispatcherEnabled)
        {
            logger.LogWarning("The outbox dispatcher is disabled: committed messages are kept but not sent");
            return;
        }

        await endpoints.SendQueuesDeclared.WaitAsync(stoppingToken);
        var backoff = TimeSpan.FromMilliseconds(100);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var sent = await DispatchBatchAsync(settings.BatchSize, stoppingToken);
                backoff = TimeSpan.FromMilliseconds(100);
                if (sent == 0)
                    await signal.Committed.WaitAsync(settings.PollInterval, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Outbox dispatch failed; unsent messages stay in the outbox, retrying in {Backoff}", backoff);
                await Task.Delay(backoff, clock, stoppingToken);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(10).Ticks));
            }
        }
    }

    /// <summary>The oldest messages still to send: a seek on the partial IX_Outbox_Unsent index.</summary>
    public static IQueryable<OutboxMessage> Unsent(HubDbContext db, int batchSize) =>
        db.Outbox.Where(o => o.SentAt == null && o.FailedAt == null).OrderBy(o => o.Sequence).Take(batchSize);

    private async Task<int> DispatchBatchAsync(int batchSize, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<HubDbContext>();
        // One sender at a time across hub replicas (always this one on SQLite): messages go out once, in order.
        await using var claim = await (scope.ServiceProvider.GetService<ReplicaLocks>() ?? ReplicaLocks.SingleHub).TryClaimAsync(db, ReplicaTask.OutboxDispatch, cancellationToken);
        if (claim is null) return 0;
        var batch = await Unsent(db, batchSize).ToListAsync(cancellationToken);
        foreach (var row in batch)
        {
            Type type;
            object message;
            try
            {
                type = Outbox.ResolveType(row.MessageType);
                message = Outbox.Deserialize(row, type);
            }
            catch (Exception ex) when (ex is TypeLoadException or ArgumentException or System.Text.Json.JsonException or FileNotFoundException)
            {
                row.FailedAt = clock.GetUtcNow();
                row.LastError = $"cannot be read: {ex.Message}";
                logger.LogError(ex, "Outbox message {MessageId} ({MessageType}) for {Destination} can never be sent; set aside", row.MessageId, row.MessageType, row.Destination);
                await FlowRecorder.MarkFailedAsync(db, row.MessageId, row.LastError, clock.GetUtcNow(), CancellationToken.None);
                continue;
            }

            try
            {
                var endpoint = await bus.GetSendEndpoint(new Uri($"exchange:{row.Destination}"));
                var sentAt = clock.GetUtcNow();
                using (HubTelemetry.StartOutboxSend(row.TraceParent, type.Name, row.Destination))
                    await endpoint.Send(message, type, context => context.MessageId = row.MessageId, cancellationToken);
                row.SentAt = clock.GetUtcNow();
                row.Attempts++;
                await FlowRecorder.MarkSentAsync(db, row.MessageId, sentAt, row.SentAt.Value, CancellationToken.None);
                HubTelemetry.MessagesSent.Add(1, new("message.type", type.Name), new("destination", row.Destination));
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                row.Attempts++;
                row.LastError = ex.Message;
                await db.SaveChangesAsync(CancellationToken.None);
                await FlowRecorder.MarkFailedAsync(db, row.MessageId, ex.Message, clock.GetUtcNow(), CancellationToken.None);
                flow.Changed.Notify();
                throw;
            }
        }

        await db.SaveChangesAsync(CancellationToken.None);
        if (batch.Count > 0) flow.Changed.Notify();
        if (batch.Count > 0)
            logger.LogDebug("Sent {Count} outbox messages", batch.Count);
        return batch.Count;
    }
}
