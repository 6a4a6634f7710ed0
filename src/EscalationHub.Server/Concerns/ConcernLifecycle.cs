using EscalationHub.Contracts.Messages;
using EscalationHub.Messaging;
using EscalationHub.Server.Ledger;
using EscalationHub.Server.Messaging;
using EscalationHub.Server.Store;
using Microsoft.EntityFrameworkCore;

namespace EscalationHub.Server.Concerns;

/// <summary>The concern only moves forward, RECEIVED -> ACKNOWLEDGED -> DECIDED, and only the addressed agency
/// moves it. Each step is a status change, and the raiser is told (feedback to the referrer).</summary>
internal static class ConcernLifecycle
{
    public static async Task<Concern> LoadForAddresseeAsync(HubDbContext db, Guid concernId, ActorRef by, CancellationToken cancellationToken)
    {
        var concern = await db.Concerns.SingleOrDefaultAsync(c => c.Id == concernId, cancellationToken)
            ?? throw new RefusedMessageException($"concern {concernId} does not exist");
        if (concern.AddressedToAgency != by.AgencyCode)
            throw new RefusedMessageException($"agency '{by.AgencyCode}' is not the agency concern {concern.Reference} is addressed to");
        return concern;
    }

    public static void Advance(HubDbContext db, LedgerWriter ledger, Concern concern, ConcernStatus status, ActorRef by, DateTimeOffset at,
        DateTimeOffset now, ConcernDecision? decision = null, string? reason = null)
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
        db.Enqueue(Addresses.AgencyQueue(concern.RaisedByAgency),
            new ConcernStatusChanged(concern.Id, concern.Reference, status, by, at, decision, reason), now);
    }
}
