using EscalationHub.Contracts.Messages;
using EscalationHub.Server.Store;
using Microsoft.EntityFrameworkCore;

namespace EscalationHub.Server.Operations;

/// <summary>What operators may know of a bus message: who sent it, to whom, and the concern's pseudonymous
/// reference. Nothing else is read from the message, so names, NHS numbers and free text never reach a flow row.</summary>
public static class FlowMessages
{
    /// <summary>The agency that sent a message to the hub (null for messages the hub sends).</summary>
    public static string? Sender(object message) => message switch
    {
        RaiseConcern m => m.RaisedBy?.AgencyCode,
        AcknowledgeConcern m => m.AcknowledgedBy?.AgencyCode,
        DecideConcern m => m.DecidedBy?.AgencyCode,
        MessageDelivered m => m.AgencyCode,
        AdapterHeartbeat m => m.AgencyCode,
        // Disagreement commands name their author as By.
        _ => message.GetType().GetProperty("By")?.GetValue(message) is ActorRef by ? by.AgencyCode : null,
    };

    /// <summary>The reference carried by the message itself, when it carries one.</summary>
    public static string? CarriedReference(object message) => message switch
    {
        ConcernRaised m => m.Reference,
        ConcernAccepted m => m.Reference,
        ConcernStatusChanged m => m.Reference,
        // Disagreement messages carry the disagreement's pseudonymous id (DG-...).
        _ => message.GetType().GetProperty("DisagreementId")?.GetValue(message) as string,
    };

    /// <summary>The concern reference for a message, looking the concern up when the message names it only by id.</summary>
    public static async Task<string?> ReferenceAsync(HubDbContext db, object message, CancellationToken cancellationToken)
    {
        if (CarriedReference(message) is { } carried) return carried;
        Guid? concernId = message switch
        {
            AcknowledgeConcern m => m.ConcernId,
            DecideConcern m => m.ConcernId,
            _ => null,
        };
        if (concernId is { } id)
            return db.Concerns.Local.FirstOrDefault(c => c.Id == id)?.Reference
                ?? await db.Concerns.Where(c => c.Id == id).Select(c => c.Reference).FirstOrDefaultAsync(cancellationToken);
        if (message is RaiseConcern raise && raise.RaisedBy is not null)
            return db.Concerns.Local.FirstOrDefault(c => c.RaisedByAgency == raise.RaisedBy.AgencyCode && c.IdempotencyKey == raise.IdempotencyKey)?.Reference
                ?? await db.Concerns.Where(c => c.RaisedByAgency == raise.RaisedBy.AgencyCode && c.IdempotencyKey == raise.IdempotencyKey)
                    .Select(c => c.Reference).FirstOrDefaultAsync(cancellationToken);
        return null;
    }

    /// <summary>"agency.leics-socialcare" is leics-socialcare; the hub's own queue is "hub".</summary>
    public static string AgencyOfQueue(string queue) =>
        queue.StartsWith("agency.", StringComparison.Ordinal) ? queue["agency.".Length..] : FlowEvent.Hub;
}
