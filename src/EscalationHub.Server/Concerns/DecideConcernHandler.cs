using EscalationHub.Contracts.Messages;
using EscalationHub.Messaging;
using EscalationHub.Server.Grpc;
using EscalationHub.Server.Ledger;
using EscalationHub.Server.Store;

namespace EscalationHub.Server.Concerns;

/// <summary>The addressed agency's decision on the next step. A decision that overtakes its acknowledgement on
/// the wire acknowledges the concern too; a repeated decision changes nothing.</summary>
public sealed class DecideConcernHandler(HubDbContext db, LedgerWriter ledger, TimeProvider clock)
{
    public async Task HandleAsync(DecideConcern command, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        errors.Required("decided_by.role", command.DecidedBy.Role, RaiseConcernValidation.MaxNameLength);
        errors.RequiredText("reason", command.Reason, RaiseConcernValidation.MaxDetailsLength);
        if (errors.HasErrors) throw new RefusedMessageException($"DecideConcern refused: {errors.Message}");
        var concern = await ConcernLifecycle.LoadForAddresseeAsync(db, command.ConcernId, command.DecidedBy, cancellationToken);
        if (concern.Status == ConcernStatus.Decided) return;

        var now = clock.GetUtcNow();
        if (concern.Status == ConcernStatus.Received)
        {
            concern.AcknowledgedAt = command.DecidedAt;
            concern.AcknowledgedByRole = command.DecidedBy.Role;
            ConcernLifecycle.Advance(db, ledger, concern, ConcernStatus.Acknowledged, command.DecidedBy, command.DecidedAt, now);
        }

        concern.Decision = command.Decision;
        concern.DecisionReason = command.Reason;
        concern.DecidedAt = command.DecidedAt;
        concern.DecidedByRole = command.DecidedBy.Role;
        ConcernLifecycle.Advance(db, ledger, concern, ConcernStatus.Decided, command.DecidedBy, command.DecidedAt, now, command.Decision, command.Reason);
    }
}
