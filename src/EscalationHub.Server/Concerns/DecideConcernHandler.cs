using EscalationHub.Contracts.Messages;
using EscalationHub.Messaging;
using EscalationHub.Server.Grpc;
using EscalationHub.Server.Ledger;
using EscalationHub.Server.Store;

namespace EscalationHub.Server.Concerns;

/// <summary>The addressed agency's decision on the next step. A decision that carries its acknowledgement (the agency
/// system gave both at once), or that overtakes it on the wire, acknowledges the concern too: two status changes and
/// two ledger entries, one notice to the raiser. A repeated decision changes nothing.</summary>
public sealed class DecideConcernHandler(HubDbContext db, LedgerWriter ledger, TimeProvider clock)
{
    public async Task HandleAsync(DecideConcern command, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        errors.Required("decided_by.role", command.DecidedBy.Role, RaiseConcernValidation.MaxNameLength);
        errors.RequiredText("reason", command.Reason, RaiseConcernValidation.MaxDetailsLength);
        if (command.AcknowledgedBy is { } acknowledger)
        {
            errors.Required("acknowledged_by.role", acknowledger.Role, RaiseConcernValidation.MaxNameLength);
            if (acknowledger.AgencyCode != command.DecidedBy.AgencyCode)
                errors.Add("acknowledged_by.agency_code", "must be the deciding agency");
        }
        if (command.AcknowledgedAt > command.DecidedAt) errors.Add("acknowledged_at", "must not be after decided_at");
        if (errors.HasErrors) throw new RefusedMessageException($"DecideConcern refused: {errors.Message}");
        var concern = await ConcernLifecycle.LoadForAddresseeAsync(db, command.ConcernId, command.DecidedBy, cancellationToken);
        if (concern.Status == ConcernStatus.Decided) return;

        var now = clock.GetUtcNow();
        if (concern.Status == ConcernStatus.Received)
        {
            var acknowledgedBy = command.AcknowledgedBy ?? command.DecidedBy;
            var acknowledgedAt = command.AcknowledgedAt ?? command.DecidedAt;
            concern.AcknowledgedAt = acknowledgedAt;
            concern.AcknowledgedByRole = acknowledgedBy.Role;
            ConcernLifecycle.Advance(db, ledger, concern, ConcernStatus.Acknowledged, acknowledgedBy, acknowledgedAt);
            await ConcernLifecycle.AnsweredAsync(db, concern, acknowledgedAt, now, cancellationToken);
        }

        concern.Decision = command.Decision;
        concern.DecisionReason = command.Reason;
        concern.DecidedAt = command.DecidedAt;
        concern.DecidedByRole = command.DecidedBy.Role;
        ConcernLifecycle.Advance(db, ledger, concern, ConcernStatus.Decided, command.DecidedBy, command.DecidedAt, command.Decision, command.Reason);
        ConcernLifecycle.TellRaiser(db, concern, command.DecidedBy, command.DecidedAt, now);
    }
}
