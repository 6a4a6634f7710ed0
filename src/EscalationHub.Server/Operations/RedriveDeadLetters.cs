using EscalationHub.Server.Store;
using MassTransit;
using Microsoft.EntityFrameworkCore;

namespace EscalationHub.Server.Operations;

public sealed record RedriveOutcome(Guid Id, bool Sent, string Detail);

public sealed class UnknownDeadLetterException(string id) : Exception($"no dead letter {id}")
{
    public string DeadLetterId { get; } = id;
}

/// <summary>Sends dead letters back to the queue they failed on, with their original message id, so a receiver
/// that did in fact apply one recognises it. Sent first, then recorded: a crash in between can only send a letter
/// twice, which the receivers' inboxes absorb. A letter already redriven is reported and not sent again (if the
/// redriven message fails again, that failure is a new dead letter).</summary>
public sealed class RedriveDeadLetters(HubDbContext db, IBus bus, ErrorQueueCleaner errorQueues, FlowSignal flow, TimeProvider clock,
    ILogger<RedriveDeadLetters> logger)
{
    public async Task<IReadOnlyList<RedriveOutcome>> HandleAsync(IReadOnlyCollection<Guid> ids, bool all, string by, string? reason,
        CancellationToken cancellationToken)
    {
        List<DeadLetter> letters;
        if (all)
        {
            letters = await db.DeadLetters.Where(d => d.RedrivenAt == null).OrderBy(d => d.FailedAt).ToListAsync(cancellationToken);
        }
        else
        {
            letters = await db.DeadLetters.Where(d => ids.Contains(d.Id)).ToListAsync(cancellationToken);
            if (ids.FirstOrDefault(id => letters.All(l => l.Id != id)) is var missing && missing != Guid.Empty)
                throw new UnknownDeadLetterException(missing.ToString());
        }

        var outcomes = new List<RedriveOutcome>();
        foreach (var letter in letters)
        {
            if (letter.RedrivenAt is { } earlier)
            {
                outcomes.Add(new RedriveOutcome(letter.Id, false, $"already redriven at {earlier:u}"));
                continue;
            }

            if (letter.Reason.StartsWith(Messaging.SenderCheck.ReasonPrefix, StringComparison.Ordinal))
            {
                // Sent by one agency acting for another: no fix makes it right, and a redrive would come from the hub's own user.
                outcomes.Add(new RedriveOutcome(letter.Id, false, "refused for its sender: a message acting for another agency is never redriven"));
                continue;
            }

            var envelope = Envelopes.Read(letter.Envelope);
            if (envelope.Message is null || envelope.ClrType is null)
            {
                outcomes.Add(new RedriveOutcome(letter.Id, false, $"cannot read a {letter.MessageType} from the stored envelope"));
                continue;
            }

            // With a broker the parked copy is held while the redrive is sent, then removed from the error queue.
            await using (var parked = await errorQueues.HoldAsync(letter.ErrorQueue, letter.MessageId, cancellationToken))
            {
                var endpoint = await bus.GetSendEndpoint(new Uri($"exchange:{letter.Queue}"));
                await endpoint.Send(envelope.Message, envelope.ClrType, context => context.MessageId = letter.MessageId, cancellationToken);
                if (parked is ErrorQueueCleaner.Held held) held.Sent = true;
            }

            var now = clock.GetUtcNow();
            letter.RedrivenAt = now;
            letter.Redrives++;
            db.Redrives.Add(new Redrive
            {
                DeadLetterId = letter.Id, MessageId = letter.MessageId, Queue = letter.Queue, At = now, By = by,
                Reason = FlowEvent.Truncate(reason, 200),
            });
            await db.SaveChangesAsync(cancellationToken);
            // Only if the receiver has not acknowledged it already (the in-memory transport can be that quick).
            await db.FlowEvents.Where(f => f.MessageId == letter.MessageId && f.Status == FlowStatus.DeadLettered).ExecuteUpdateAsync(s => s
                .SetProperty(f => f.Status, FlowStatus.Sent)
                .SetProperty(f => f.SentAt, now)
                .SetProperty(f => f.Error, "redriven")
                .SetProperty(f => f.UpdatedAt, now), cancellationToken);
            HubTelemetry.MessagesRedriven.Add(1, new KeyValuePair<string, object?>("queue", letter.Queue));
            logger.LogInformation("Dead letter {Id} ({MessageType} {MessageId}) redriven to {Queue} by {By}", letter.Id, letter.MessageType, letter.MessageId, letter.Queue, by);
            outcomes.Add(new RedriveOutcome(letter.Id, true, $"sent to {letter.Queue}"));
        }

        flow.Changed.Notify();
        return outcomes;
    }
}
