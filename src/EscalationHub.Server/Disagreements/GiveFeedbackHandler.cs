using EscalationHub.Domain.Disagreements;
using EscalationHub.Server.Grpc;
using M = EscalationHub.Contracts.Messages;

namespace EscalationHub.Server.Disagreements;

/// <summary>The raiser is told the outcome, whatever stage resolved it.</summary>
public sealed class GiveFeedbackHandler(DisagreementStore store)
{
    public Task<Disagreement> HandleAsync(M.GiveFeedback c, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        DisagreementValidation.Actor(errors, c.DisagreementId, c.By);
        errors.RequiredText("summary", c.Summary, DisagreementValidation.MaxText);
        errors.ThrowIfInvalid();
        return store.ChangeAsync(c.DisagreementId, c.By, (d, now) => d.GiveFeedback(c.By.AgencyCode, c.Summary.Trim(), now), cancellationToken);
    }
}
