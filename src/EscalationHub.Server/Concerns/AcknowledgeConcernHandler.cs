using EscalationHub.Contracts.Messages;
using EscalationHub.Messaging;
using EscalationHub.Server.Grpc;
using EscalationHub.Server.Ledger;
using EscalationHub.Server.Store;

namespace EscalationHub.Server.Concerns;

/// <summary>The addressed agency acknowledges receipt. A late or repeated acknowledgement changes nothing.</summary>
public sealed class AcknowledgeConcernHandler(HubDbContext db, LedgerWriter ledger, TimeProvider clock)
{
    public async Task HandleAsync(AcknowledgeConcern command, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        errors.Required("acknowledged_by.role", command.AcknowledgedBy.Role, RaiseConcernValidation.MaxNameLength);
        if (errors.HasErrors) throw new RefusedMessageException($"AcknowledgeConcern refused: {errors.Message}");
        var concern = await ConcernLifecycle.LoadForAddresseeAsync(db, command.ConcernId, command.AcknowledgedBy, cancellationToken);
        if (concern.Status != ConcernStatus.Received) return;

        var now = clock.GetUtcNow();
        concern.AcknowledgedAt = command.AcknowledgedAt;
        concern.AcknowledgedByRole = command.AcknowledgedBy.Role;
        ConcernLifecycle.Advance(db, ledger, concern, ConcernStatus.Acknowledged, command.AcknowledgedBy, command.AcknowledgedAt);
        await ConcernLifecycle.AnsweredAsync(db, concern, command.AcknowledgedAt, now, cancellationToken);
        ConcernLifecycle.TellRaiser(db, concern, command.AcknowledgedBy, command.AcknowledgedAt, now);
    }
}
