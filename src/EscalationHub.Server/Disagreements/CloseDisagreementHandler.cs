using EscalationHub.Domain.Disagreements;
using EscalationHub.Server.Grpc;
using M = EscalationHub.Contracts.Messages;

namespace EscalationHub.Server.Disagreements;

/// <summary>Closes a resolved disagreement; refused until feedback has been given to the raiser.</summary>
public sealed class CloseDisagreementHandler(DisagreementStore store)
{
    public Task<Disagreement> HandleAsync(M.CloseDisagreement c, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        DisagreementValidation.Actor(errors, c.DisagreementId, c.By);
        errors.ThrowIfInvalid();
        return store.ChangeAsync(c.DisagreementId, c.By.AgencyCode, (d, now) => d.Close(c.By.AgencyCode, now), cancellationToken);
    }
}
