using EscalationHub.Contracts.Messages;
using EscalationHub.Domain.Concerns;
using EscalationHub.Server.Concerns;
using EscalationHub.Server.Store;
using Microsoft.EntityFrameworkCore;

namespace EscalationHub.Server.Operations;

/// <summary>A stage of work with a deadline, as operators see it: pseudonymous reference, agencies, deadline.</summary>
public sealed record StageDue(string Kind, string CaseReference, string Stage, string WaitingOnAgency, string OtherAgency,
    DateTimeOffset DueAt, string Rule, string HarmLevel);

/// <summary>One kind of staged work that can run late. Concern decisions are the first; the escalation engine adds
/// disagreement stages by registering another source (services.AddScoped&lt;IStageDeadlineSource, ...&gt;()).</summary>
public interface IStageDeadlineSource
{
    /// <summary>Open stages due before <paramref name="dueBefore"/>.</summary>
    Task<IReadOnlyList<StageDue>> DueBeforeAsync(DateTimeOffset dueBefore, CancellationToken cancellationToken);
}

/// <summary>Children's social care decides on a referral within one working day (statutory guidance), or sooner when
/// the harm level says so (<see cref="ConcernDecisionRule"/>): the instant stored when the concern was raised, the one
/// its gRPC answers and the agency's webhook carry.</summary>
public sealed class ConcernDecisionDeadlines(HubDbContext db, ConcernDecisionRule rule) : IStageDeadlineSource
{
    public async Task<IReadOnlyList<StageDue>> DueBeforeAsync(DateTimeOffset dueBefore, CancellationToken cancellationToken)
    {
        // Every decision deadline is at or after the concern was raised, so only concerns raised before the cut-off can
        // be due: the (Status, RaisedAt) index keeps this to the open ones.
        var open = await db.Concerns.AsNoTracking()
            .Where(c => c.Status != ConcernStatus.Decided && c.RaisedAt < dueBefore)
            .Select(c => new { c.Reference, c.AddressedToAgency, c.RaisedByAgency, c.RaisedAt, c.HarmLevel, c.Status, c.DecisionDueAt })
            .ToListAsync(cancellationToken);
        var due = new List<StageDue>();
        foreach (var c in open)
        {
            var deadline = rule.DecisionDeadline(c.RaisedAt, c.HarmLevel, c.DecisionDueAt);
            if (deadline.Instant < dueBefore)
                due.Add(new StageDue("concern-decision", c.Reference, c.Status == ConcernStatus.Received ? "Acknowledge and decide" : "Decide",
                    c.AddressedToAgency, c.RaisedByAgency, deadline.Instant, deadline.Rule, c.HarmLevel.ToString()));
        }
        return due;
    }
}

public sealed record OverdueStage(StageDue Stage, bool Overdue, TimeSpan OverdueBy);

public sealed class ListOverdueStages(IEnumerable<IStageDeadlineSource> sources, TimeProvider clock)
{
    public async Task<IReadOnlyList<OverdueStage>> HandleAsync(TimeSpan dueWithin, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var stages = new List<OverdueStage>();
        foreach (var source in sources)
        foreach (var stage in await source.DueBeforeAsync(now + dueWithin, cancellationToken))
            stages.Add(new OverdueStage(stage, stage.DueAt <= now, stage.DueAt <= now ? now - stage.DueAt : TimeSpan.Zero));
        return stages.OrderBy(s => s.Stage.DueAt).ToList();
    }
}
