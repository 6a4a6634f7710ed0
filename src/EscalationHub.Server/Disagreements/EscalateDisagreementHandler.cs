using EscalationHub.Domain.Disagreements;
using EscalationHub.Server.Grpc;
using M = EscalationHub.Contracts.Messages;

namespace EscalationHub.Server.Disagreements;

/// <summary>A party escalates to the next stage, giving the reason.</summary>
public sealed class EscalateDisagreementHandler(DisagreementStore store)
{
    public Task<Disagreement> HandleAsync(M.EscalateDisagreement c, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        DisagreementValidation.Actor(errors, c.DisagreementId, c.By);
        errors.RequiredText("reason", c.Reason, 2000);
        errors.ThrowIfInvalid();
        return store.ChangeAsync(c.DisagreementId, c.By, (d, now) => d.Escalate(c.By.AgencyCode, c.Reason.Trim(), now), cancellationToken);
    }
}
