using EscalationHub.Server.Store;
using Microsoft.EntityFrameworkCore;

namespace EscalationHub.Server.Operations;

/// <summary>Writes flow events at each point of a message's life. Queued and applied are written in the same
/// transaction as the change that caused them; sent, acknowledged and dead-lettered are single-row updates that
/// only move a message forward (a receipt that overtakes the broker's confirm is not undone by it).</summary>
public static class FlowRecorder
{
    public static void RecordQueued(HubDbContext db, Guid messageId, string messageType, string destinationQueue, object message, DateTimeOffset now) =>
        db.Insert(new FlowEvent
        {
            MessageId = messageId,
            MessageType = FlowEvent.ShortType(messageType),
            FromAgency = FlowEvent.Hub,
            ToAgency = FlowMessages.AgencyOfQueue(destinationQueue),
            CaseReference = FlowMessages.CarriedReference(message),
            Status = FlowStatus.Queued,
            RecordedAt = now,
            UpdatedAt = now,
        });

    /// <summary>A message to the hub has been applied; called inside the inbox's transaction.</summary>
    public static async Task RecordAppliedAsync(HubDbContext db, Guid messageId, object message, DateTimeOffset? sentAt,
        DateTimeOffset receivedAt, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var reference = await FlowMessages.ReferenceAsync(db, message, cancellationToken);
        var row = await db.FlowEvents.SingleOrDefaultAsync(f => f.MessageId == messageId, cancellationToken);
        if (row is null)
        {
            row = new FlowEvent
            {
                MessageId = messageId,
                MessageType = message.GetType().Name,
                FromAgency = FlowMessages.Sender(message) ?? "unknown",
                ToAgency = FlowEvent.Hub,
                RecordedAt = now,
            };
            db.FlowEvents.Add(row);
        }
        row.CaseReference ??= reference;
        row.SentAt ??= sentAt;
        row.DeliveredAt = receivedAt;
        row.AcknowledgedAt = now;
        row.Status = FlowStatus.Applied;
        row.Error = null;
        row.UpdatedAt = now;
    }

    public static Task MarkSentAsync(HubDbContext db, Guid messageId, DateTimeOffset sentAt, DateTimeOffset confirmedAt, CancellationToken cancellationToken) =>
        db.FlowEvents.Where(f => f.MessageId == messageId).ExecuteUpdateAsync(s => s
            .SetProperty(f => f.SentAt, f => f.SentAt ?? sentAt)
            .SetProperty(f => f.DeliveredAt, confirmedAt)
            .SetProperty(f => f.Status, f => f.Status == FlowStatus.Queued || f.Status == FlowStatus.Failed ? FlowStatus.Sent : f.Status)
            .SetProperty(f => f.Error, f => f.Status == FlowStatus.Queued || f.Status == FlowStatus.Failed ? null : f.Error)
            .SetProperty(f => f.UpdatedAt, confirmedAt), cancellationToken);

    /// <summary>A batch of messages confirmed by the broker together (the outbox dispatcher's batch).</summary>
    public static Task MarkSentAsync(HubDbContext db, IReadOnlyCollection<Guid> messageIds, DateTimeOffset sentAt, DateTimeOffset confirmedAt, CancellationToken cancellationToken) =>
        db.FlowEvents.Where(f => messageIds.Contains(f.MessageId)).ExecuteUpdateAsync(s => s
            .SetProperty(f => f.SentAt, f => f.SentAt ?? sentAt)
            .SetProperty(f => f.DeliveredAt, confirmedAt)
            .SetProperty(f => f.Status, f => f.Status == FlowStatus.Queued || f.Status == FlowStatus.Failed ? FlowStatus.Sent : f.Status)
            .SetProperty(f => f.Error, f => f.Status == FlowStatus.Queued || f.Status == FlowStatus.Failed ? null : f.Error)
            .SetProperty(f => f.UpdatedAt, confirmedAt), cancellationToken);

    public static Task MarkFailedAsync(HubDbContext db, Guid messageId, string error, DateTimeOffset now, CancellationToken cancellationToken) =>
        db.FlowEvents.Where(f => f.MessageId == messageId && (f.Status == FlowStatus.Queued || f.Status == FlowStatus.Failed))
            .ExecuteUpdateAsync(s => s
                .SetProperty(f => f.Status, FlowStatus.Failed)
                .SetProperty(f => f.Error, FlowEvent.Truncate(error))
                .SetProperty(f => f.UpdatedAt, now), cancellationToken);

    /// <returns>False when the hub has no flow event for a message to that agency (purged, or never sent to it).</returns>
    public static async Task<bool> MarkAcknowledgedAsync(HubDbContext db, Guid messageId, string byAgency, DateTimeOffset appliedAt, DateTimeOffset now, CancellationToken cancellationToken) =>
        await db.FlowEvents.Where(f => f.MessageId == messageId && f.ToAgency == byAgency).ExecuteUpdateAsync(s => s
            .SetProperty(f => f.AcknowledgedAt, appliedAt)
            .SetProperty(f => f.Status, FlowStatus.Acknowledged)
            .SetProperty(f => f.Error, (string?)null)
            .SetProperty(f => f.UpdatedAt, now), cancellationToken) > 0;
}
