using EscalationHub.Domain.Disagreements;
using EscalationHub.Domain.Policies;
using EscalationHub.Server.Grpc;
using M = EscalationHub.Contracts.Messages;

namespace EscalationHub.Server.Disagreements;

/// <summary>At the final stage the partnership decides the outcome (e.g. mediation or a case-file audit).</summary>
public sealed class DecideFinalOutcomeHandler(DisagreementStore store)
{
    public Task<Disagreement> HandleAsync(M.DecideFinalOutcome c, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        DisagreementValidation.Actor(errors, c.DisagreementId, c.By);
        if (!Enum.TryParse<FinalOutcome>(c.Outcome, out var outcome) || !Enum.IsDefined(outcome)) errors.Add("outcome", "must be one of the final outcomes");
        errors.Required("decided_by", c.DecidedBy, 200);
        errors.RequiredText("summary", c.Summary, DisagreementValidation.MaxText);
        errors.ThrowIfInvalid();
        return store.ChangeAsync(c.DisagreementId, c.By,
            (d, now) => d.DecideFinalOutcome(outcome, c.DecidedBy.Trim(), c.Summary.Trim(), now), cancellationToken);
    }
}
