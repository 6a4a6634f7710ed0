using EscalationHub.Domain.Disagreements;
using EscalationHub.Server.Grpc;
using M = EscalationHub.Contracts.Messages;

namespace EscalationHub.Server.Disagreements;

/// <summary>A party approves (signs) a record; approving twice changes nothing.</summary>
public sealed class ApproveRecordHandler(DisagreementStore store)
{
    public Task<Disagreement> HandleAsync(M.ApproveRecord c, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        DisagreementValidation.Actor(errors, c.DisagreementId, c.By);
        errors.Required("record_id", c.RecordId, 32);
        errors.ThrowIfInvalid();
        return store.ChangeAsync(c.DisagreementId, c.By.AgencyCode, (d, now) => d.ApproveRecord(c.By.AgencyCode, c.RecordId, now), cancellationToken);
    }
}
