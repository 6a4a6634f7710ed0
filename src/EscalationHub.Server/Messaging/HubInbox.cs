using EscalationHub.Server.Operations;
using EscalationHub.Server.Store;
using MassTransit;
using Microsoft.EntityFrameworkCore;

namespace EscalationHub.Server.Messaging;

/// <summary>Applies a bus message exactly once: the message id is recorded in the same transaction as the
/// effect, so a redelivered message (same MessageId) is recognised and changes nothing.</summary>
/// <remarks>Runs in a <see cref="HubUnitOfWork"/>: the effect, its outbox messages, ledger entries and flow event
/// group-commit with other concurrent commands.</remarks>
public sealed class HubInbox(HubDbContext db, HubUnitOfWork unitOfWork, FlowSignal flow, TimeProvider clock, ILogger<HubInbox> logger)
{
    /// <returns>False when the message had already been applied.</returns>
    public async Task<bool> ApplyOnceAsync<T>(ConsumeContext<T> context, Func<Task> apply) where T : class
    {
        var messageId = context.MessageId ?? throw new InvalidOperationException($"{typeof(T).Name} arrived without a MessageId");
        var applied = await unitOfWork.ExecuteAsync(async cancellationToken =>
        {
            if (await db.Inbox.AnyAsync(i => i.MessageId == messageId, cancellationToken))
            {
                logger.LogInformation("{MessageType} {MessageId} was already applied; ignoring the redelivery", typeof(T).Name, messageId);
                return false;
            }

            var receivedAt = clock.GetUtcNow();
            try
            {
                db.Insert(new InboxMessage { MessageId = messageId, MessageType = typeof(T).FullName!, ProcessedAt = receivedAt });
                await apply();
                await FlowRecorder.RecordAppliedAsync(db, messageId, context.Message,
                    context.SentTime is { } sent ? new DateTimeOffset(sent, TimeSpan.Zero) : null, receivedAt, clock.GetUtcNow(), cancellationToken);
                await db.SaveChangesAsync(cancellationToken);
                return true;
            }
            catch
            {
                db.ChangeTracker.Clear(); // nothing of a failed attempt may leak into the next one on this context
                throw;
            }
        }, context.CancellationToken);
        if (!applied) return false;
        flow.Changed.Notify();
        HubTelemetry.MessagesApplied.Add(1, new KeyValuePair<string, object?>("message.type", typeof(T).Name));
        logger.LogInformation("Applied {MessageType} {MessageId}", typeof(T).Name, messageId);
        return true;
    }
}
