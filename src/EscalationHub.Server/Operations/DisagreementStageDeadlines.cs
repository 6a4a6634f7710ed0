using EscalationHub.Domain.Disagreements;
using EscalationHub.Server.Store;
using Microsoft.EntityFrameworkCore;

namespace EscalationHub.Server.Operations;

/// <summary>Open disagreements whose current stage is due: read from the escalation engine's CurrentDeadlineAt (an
/// indexed column), waiting on every party. Only ids, agency codes, stage numbers and the profile are read.</summary>
public sealed class DisagreementStageDeadlines(HubDbContext db) : IStageDeadlineSource
{
    public async Task<IReadOnlyList<StageDue>> DueBeforeAsync(DateTimeOffset dueBefore, CancellationToken cancellationToken)
    {
        var due = await db.Disagreements.AsNoTracking()
            .Where(d => d.CurrentDeadlineAt != null && d.CurrentDeadlineAt < dueBefore && d.Status == nameof(DisagreementStatus.Open))
            .Select(d => new { d.Id, d.RaisedByAgency, d.CurrentStage, d.CurrentDeadlineAt, d.ProfileId })
            .ToListAsync(cancellationToken);
        if (due.Count == 0) return [];
        var ids = due.Select(d => d.Id).ToList();
        var parties = (await db.DisagreementParties.AsNoTracking().Where(p => ids.Contains(p.DisagreementId)).ToListAsync(cancellationToken))
            .ToLookup(p => p.DisagreementId, p => p.AgencyCode);
        return due.Select(d => new StageDue("disagreement-stage", d.Id, $"Stage {d.CurrentStage}",
                string.Join(", ", parties[d.Id].Where(a => a != d.RaisedByAgency).Order(StringComparer.Ordinal)), d.RaisedByAgency,
                d.CurrentDeadlineAt!.Value, d.ProfileId, ""))
            .ToList();
    }
}
