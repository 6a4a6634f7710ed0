using EscalationHub.Contracts.Messages;
using EscalationHub.Messaging;
using EscalationHub.Server.Ledger;
using EscalationHub.Server.Messaging;
using EscalationHub.Server.Operations;
using EscalationHub.Server.Store;
using Microsoft.EntityFrameworkCore;

namespace EscalationHub.Server.Concerns;

/// <summary>The concern only moves forward, RECEIVED -> ACKNOWLEDGED -> DECIDED, and only the addressed agency
/// moves it. Each step is a status change and a ledger entry; the raiser is told once per reply (feedback to the
/// referrer): a reply that acknowledges and decides at once is one notice, not two.</summary>
internal static class ConcernLifecycle
{
    /// <summary>The id of the message that carried the concern to the addressed agency: derived from the concern, so
    /// the agency's reply can stand as its delivery receipt.</summary>
    public static Guid RaisedMessageId(Guid concernId) => DerivedId.For(concernId, "concern-raised");

    public static async Task<Concern> LoadForAddresseeAsync(HubDbContext db, Guid concernId, ActorRef by, CancellationToken cancellationToken)
    {
        var concern = await db.Concerns.SingleOrDefaultAsync(c => c.Id == concernId, cancellationToken)
            ?? throw new RefusedMessageException($"concern {concernId} does not exist");
        if (concern.AddressedToAgency != by.AgencyCode)
            throw new RefusedMessageException($"agency '{by.AgencyCode}' is not the agency concern {concern.Reference} is addressed to");
        return concern;
    }

    public static void Advance(HubDbContext db, LedgerWriter ledger, Concern concern, ConcernStatus status, ActorRef by, DateTimeOffset at,
        ConcernDecision? decision = null, string? reason = null)
    {
        concern.Status = status;
        concern.LastSequence++;
        db.ConcernStatusChanges.Add(new ConcernStatusChange
        {
            ConcernId = concern.Id, Sequence = concern.LastSequence, Status = status, At = at,
            ByAgency = by.AgencyCode, ByRole = by.Role, Decision = decision, Reason = reason,
        });
        ledger.Append(concern.ChildFileId, concern.Id.ToString(), ConcernLedger.For(status), by.AgencyCode, by.Role, at,
            ConcernLedger.StatusPayload(concern, status, decision, reason));
    }

    /// <summary>The agency's first reply is its receipt of the concern: the operators' flow shows the concern message
    /// acknowledged by the agency (the adapter sends no separate receipt for a message that is answered).</summary>
    public static Task AnsweredAsync(HubDbContext db, Concern concern, DateTimeOffset at, DateTimeOffset now, CancellationToken cancellationToken) =>
        FlowRecorder.MarkAcknowledgedAsync(db, RaisedMessageId(concern.Id), concern.AddressedToAgency, at, now, cancellationToken);

    /// <summary>One notice to the raiser with where the concern now stands.</summary>
    public static void TellRaiser(HubDbContext db, Concern concern, ActorRef by, DateTimeOffset at, DateTimeOffset now) =>
        db.Enqueue(Addresses.AgencyQueue(concern.RaisedByAgency),
            new ConcernStatusChanged(concern.Id, concern.Reference, concern.Status, by, at, concern.Decision, concern.DecisionReason)
            {
                AcknowledgedAt = concern.AcknowledgedAt,
                ChildFileId = concern.ChildFileId,
            }, now);
}
