using EscalationHub.Domain.Disagreements;

namespace EscalationHub.Server.Disagreements;

/// <summary>The scheduler's use case: a stage whose deadline passed unresolved climbs one rung on its own; every
/// party, and the people the profile says to inform, are told.</summary>
public sealed class EscalateOverdueHandler(DisagreementStore store)
{
    /// <returns>False when it was no longer due (resolved or escalated meanwhile).</returns>
    public async Task<bool> HandleAsync(string disagreementId, CancellationToken cancellationToken)
    {
        var escalated = false;
        await store.ChangeAsync(disagreementId, actingAgency: null, (d, now) =>
        {
            if (d.AutomaticEscalationDueAt is not { } due || due >= now) return [];
            escalated = true;
            return d.EscalateOnMissedDeadline(now);
        }, cancellationToken);
        return escalated;
    }
}
