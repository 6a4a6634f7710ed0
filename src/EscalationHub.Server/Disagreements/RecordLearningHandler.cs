using EscalationHub.Domain.Disagreements;
using EscalationHub.Server.Grpc;
using M = EscalationHub.Contracts.Messages;

namespace EscalationHub.Server.Disagreements;

/// <summary>Learning for the partnership, sent on to the profile's learning recipient.</summary>
public sealed class RecordLearningHandler(DisagreementStore store)
{
    public Task<Disagreement> HandleAsync(M.RecordLearning c, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        DisagreementValidation.Actor(errors, c.DisagreementId, c.By);
        errors.Required("learning", c.Learning, DisagreementValidation.MaxText);
        errors.ThrowIfInvalid();
        return store.ChangeAsync(c.DisagreementId, c.By.AgencyCode, (d, now) => d.CaptureLearning(c.By.AgencyCode, c.Learning.Trim(), now), cancellationToken);
    }
}
