using EscalationHub.Domain.Disagreements;
using EscalationHub.Server.Grpc;
using M = EscalationHub.Contracts.Messages;

namespace EscalationHub.Server.Disagreements;

/// <summary>The parties agree how it is settled: who does what by when.</summary>
public sealed class ResolveDisagreementHandler(DisagreementStore store)
{
    public Task<Disagreement> HandleAsync(M.ResolveDisagreement c, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        DisagreementValidation.Actor(errors, c.DisagreementId, c.By);
        errors.RequiredText("summary", c.Summary, DisagreementValidation.MaxText);
        foreach (var (action, i) in (errors.WithinCount("agreed_actions", c.AgreedActions, DisagreementValidation.MaxAgreedActions) ? c.AgreedActions ?? [] : []).Select((a, i) => (a, i)))
        {
            errors.Required($"agreed_actions[{i}].who", action.Who, 200);
            errors.RequiredText($"agreed_actions[{i}].what", action.What, 2000);
            if (action.ByWhen == default) errors.Add($"agreed_actions[{i}].by_when", "is required");
        }
        errors.ThrowIfInvalid();
        var actions = (c.AgreedActions ?? []).Select(a => new AgreedAction(a.Who.Trim(), a.What.Trim(), a.ByWhen)).ToList();
        return store.ChangeAsync(c.DisagreementId, c.By, (d, now) => d.Resolve(c.By.AgencyCode, c.Summary.Trim(), actions, now), cancellationToken);
    }
}
