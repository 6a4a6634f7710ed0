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

    /// <summary>How long a batch waits for its broker confirms. A send whose confirm never comes (its channel died while
    /// the broker restarted) fails after this, stays unsent and is sent again; without a limit the dispatcher waited on
    /// it for ever and sent nothing more (the fault suite's broker restart caught it).</summary>
    public TimeSpan SendTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How many batches may be sent and not yet recorded at once: the next batch is read and sent while the
    /// previous ones wait for their broker confirms and their "marked sent" commit.</summary>
    public int BatchesInFlight { get; set; } = 3;
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
                // Taken before the outbox is read: a message committed after the last read still wakes the wait.
                var committed = signal.Committed.Next;
                var sent = await DispatchWhileThereIsWorkAsync(settings, stoppingToken);
                backoff = TimeSpan.FromMilliseconds(100);
                if (sent == 0)
                    await Signal.WaitAsync(committed, settings.PollInterval, stoppingToken);
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

    /// <summary>The next unsent messages after those already in flight: the same seek, started past them.</summary>
    public static IQueryable<OutboxMessage> UnsentAfter(HubDbContext db, long sequence, int batchSize) =>
        db.Outbox.Where(o => o.SentAt == null && o.FailedAt == null && o.Sequence > sequence).OrderBy(o => o.Sequence).Take(batchSize);

    /// <summary>Sends batch after batch while there are unsent messages, without waiting for one batch's confirms and
    /// "marked sent" commit before reading and sending the next: up to <see cref="OutboxOptions.BatchesInFlight"/>
    /// batches are between their send and their commit at once. Batches are read and their sends started in outbox
    /// order, so each destination receives its messages in order. A row is in flight until its mark has committed; the
    /// next read starts past the last row read, so no row is ever in flight twice here. After a failed send the
    /// pipeline drains (the batches already sent finish and commit) and the dispatcher backs off and starts again from
    /// the oldest unsent row, which is sent again with the same MessageId (receivers' inboxes recognise a duplicate).</summary>
    /// <returns>How many messages were read and sent (or tried).</returns>
    private async Task<int> DispatchWhileThereIsWorkAsync(OutboxOptions settings, CancellationToken stoppingToken)
    {
        // One sender at a time across hub replicas (always this one on SQLite): messages go out once, in order. The
        // claim is held on its own connection until every batch in flight is sent and recorded.
        await using var claimScope = scopes.CreateAsyncScope();
        var claimDb = claimScope.ServiceProvider.GetRequiredService<HubDbContext>();
        await using var claim = await (claimScope.ServiceProvider.GetService<ReplicaLocks>() ?? ReplicaLocks.SingleHub)
            .TryClaimAsync(claimDb, ReplicaTask.OutboxDispatch, stoppingToken);
        if (claim is null) return 0;

        var inFlight = new List<Task<SendFailure?>>();
        var maxInFlight = Math.Max(1, settings.BatchesInFlight);
        long? lastRead = null;
        var total = 0;
        SendFailure? failed = null;
        try
        {
            while (failed is null)
            {
                var committed = signal.Committed.Next;
                var batch = await (lastRead is { } after ? UnsentAfter(claimDb, after, settings.BatchSize) : Unsent(claimDb, settings.BatchSize))
                    .AsNoTracking().ToListAsync(stoppingToken);
                if (batch.Count == 0)
                {
                    if (inFlight.Count == 0) break;
                    // Nothing more yet: wait for a batch in flight to finish, or for new commits, then look again.
                    failed = await FirstFinishedAsync(inFlight, Signal.WaitAsync(committed, settings.PollInterval, stoppingToken));
                    continue;
                }

                lastRead = batch[^1].Sequence;
                total += batch.Count;
                inFlight.Add(SendAndRecordAsync(batch, stoppingToken));
                while (inFlight.Count >= maxInFlight && failed is null)
                    failed = await FirstFinishedAsync(inFlight, null);
            }
        }
        finally
        {
            // Never leave a batch between its send and its mark when the claim goes: drain the pipeline first.
            var outcomes = await Task.WhenAll(inFlight);
            failed ??= outcomes.FirstOrDefault(o => o is not null);
        }

        if (failed is not null) throw new OutboxSendException(failed.Error, failed.Exception);
        return total;
    }

    /// <summary>Waits for a batch in flight to finish (or for <paramref name="orElse"/>); takes finished batches out of
    /// the pipeline and returns the first send failure among them.</summary>
    private static async Task<SendFailure?> FirstFinishedAsync(List<Task<SendFailure?>> inFlight, Task? orElse)
    {
        Task[] waits = orElse is null ? [.. inFlight] : [.. inFlight, orElse];
        await Task.WhenAny(waits);
        SendFailure? failed = null;
        for (var i = inFlight.Count - 1; i >= 0; i--)
        {
            if (!inFlight[i].IsCompleted) continue;
            failed ??= await inFlight[i];
            inFlight.RemoveAt(i);
        }
        return failed;
    }

    /// <returns>The first send failure that is worth retrying (after recording every outcome), or null.</returns>
    private async Task<SendFailure?> SendAndRecordAsync(List<OutboxMessage> batch, CancellationToken cancellationToken)
    {
        // The whole batch is sent at once: the sends are started in outbox order on the bus's channel and their broker
        // confirms awaited together, so a batch costs one confirm round trip, not one per message. A row is marked sent
        // only once its own confirm has come back; one whose send failed stays unsent and is sent again.
        var sentAt = clock.GetUtcNow();
        using var confirmTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        confirmTimeout.CancelAfter(options.Value.SendTimeout);
        var sends = batch.Select(row => SendAsync(row, confirmTimeout.Token, cancellationToken)).ToList();
        var outcomes = await Task.WhenAll(sends);
        var confirmedAt = clock.GetUtcNow();

        // Recorded through the group commit, the store's single writer: the dispatcher never competes with it for the
        // write lock, and its marks share a commit (one fsync) with the commands running meanwhile. A crash before this
        // commits leaves the rows unsent: they are sent again with the same MessageId, which receivers' inboxes recognise.
        var sent = batch.Where((_, i) => outcomes[i] is null).Select(r => r.MessageId).ToList();
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<HubDbContext>();
            await scope.ServiceProvider.GetRequiredService<HubUnitOfWork>().ExecuteAsync(async ct =>
            {
                if (sent.Count > 0)
                {
                    await db.Outbox.Where(o => sent.Contains(o.MessageId)).ExecuteUpdateAsync(u => u
                        .SetProperty(o => o.SentAt, confirmedAt)
                        .SetProperty(o => o.Attempts, o => o.Attempts + 1), ct);
                    await FlowRecorder.MarkSentAsync(db, sent, sentAt, confirmedAt, ct);
                }
                for (var i = 0; i < batch.Count; i++)
                {
                    if (outcomes[i] is not { } failure) continue;
                    var id = batch[i].MessageId;
                    var error = FlowEvent.Truncate(failure.Error, 2000);
                    if (failure.Unreadable)
                        await db.Outbox.Where(o => o.MessageId == id).ExecuteUpdateAsync(u => u
                            .SetProperty(o => o.FailedAt, confirmedAt)
                            .SetProperty(o => o.LastError, error), ct);
                    else
                        await db.Outbox.Where(o => o.MessageId == id).ExecuteUpdateAsync(u => u
                            .SetProperty(o => o.Attempts, o => o.Attempts + 1)
                            .SetProperty(o => o.LastError, error), ct);
                    await FlowRecorder.MarkFailedAsync(db, id, failure.Error, confirmedAt, ct);
                }
            }, CancellationToken.None);
        }

        flow.Changed.Notify();
        foreach (var (row, i) in batch.Select((r, i) => (r, i)))
            if (outcomes[i] is null)
                HubTelemetry.MessagesSent.Add(1, new("message.type", FlowEvent.ShortType(row.MessageType)), new("destination", row.Destination));
        logger.LogDebug("Sent {Count} of {Total} outbox messages", sent.Count, batch.Count);
        return outcomes.FirstOrDefault(o => o is { Unreadable: false });
    }

    private sealed record SendFailure(string Error, bool Unreadable, Exception Exception);

    /// <returns>Null once the broker has confirmed the message; otherwise why it was not sent.</returns>
    private async Task<SendFailure?> SendAsync(OutboxMessage row, CancellationToken confirmTimeout, CancellationToken stoppingToken)
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
            logger.LogError(ex, "Outbox message {MessageId} ({MessageType}) for {Destination} can never be sent; set aside", row.MessageId, row.MessageType, row.Destination);
            return new SendFailure($"cannot be read: {ex.Message}", Unreadable: true, ex);
        }

        try
        {
            var endpoint = await bus.GetSendEndpoint(new Uri($"exchange:{row.Destination}"));
            using (HubTelemetry.StartOutboxSend(row.TraceParent, type.Name, row.Destination))
                await endpoint.Send(message, type, context => context.MessageId = row.MessageId, confirmTimeout);
            return null;
        }
        catch (OperationCanceledException ex) when (!stoppingToken.IsCancellationRequested)
        {
            return new SendFailure($"no broker confirm within {options.Value.SendTimeout.TotalSeconds:N0} s", Unreadable: false, ex);
        }
        catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
        {
            return new SendFailure(ex.Message, Unreadable: false, ex);
        }
    }
}

/// <summary>A send in the batch failed (it was recorded, and stays unsent): the dispatcher backs off and tries again.</summary>
public sealed class OutboxSendException(string message, Exception inner) : Exception(message, inner);
