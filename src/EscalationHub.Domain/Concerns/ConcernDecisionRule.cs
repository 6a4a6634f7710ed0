using EscalationHub.Domain.Calendar;
using EscalationHub.Domain.Policies;

namespace EscalationHub.Domain.Concerns;

/// <summary>
/// When the addressed agency must have acknowledged a concern (a referral) and decided the next step: the lesser of
/// the statutory timescale (children's social care decides within one working day) and the harm level's protective
/// timescale (significant harm: the same working day; imminent harm: immediately, i.e. due the instant it is raised).
/// The one rule for every surface: the hub stores the instant it gives when the concern is raised, and the gRPC
/// answers, the agency's webhook, the operators' overdue list and the partnership report all show that instant.
/// </summary>
public sealed class ConcernDecisionRule
{
    public ConcernDecisionRule(WorkingCalendar calendar, Timescale decision)
    {
        if (decision.Kind == TimescaleKind.None)
            throw new ArgumentException("a decision on a referral always has a timescale (statutory guidance: one working day)", nameof(decision));
        Calendar = calendar;
        Decision = decision;
    }

    /// <summary>Statutory guidance: acknowledge and decide within one working day.</summary>
    public static Timescale Statutory { get; } = Timescale.WorkingDays(1);

    public static ConcernDecisionRule EnglandAndWales { get; } = new(WorkingCalendar.EnglandAndWales, Statutory);

    public WorkingCalendar Calendar { get; }

    /// <summary>The procedure's part of the rule (statutory: one working day).</summary>
    public Timescale Decision { get; }

    /// <summary>The decision deadline of a concern raised at <paramref name="raisedAt"/> with <paramref name="harm"/>,
    /// naming the rule that set it (the statutory one on a tie).</summary>
    public Deadline DueAt(DateTimeOffset raisedAt, HarmLevel harm) =>
        WorkingCalendar.WhicheverIsLess(
            Calendar.Deadline(raisedAt, Decision, $"{Decision.Describe()} (decision on a referral)"),
            harm switch
            {
                HarmLevel.SignificantHarm => Calendar.Deadline(raisedAt, Timescale.SameWorkingDay, "same working day (significant harm)"),
                HarmLevel.ImminentHarm => Calendar.Deadline(raisedAt, Timescale.Immediately, "immediately (imminent harm)"),
                _ => null,
            })!;

    /// <summary>The decision deadline of a concern raised now, on <paramref name="clock"/>.</summary>
    public Deadline DueAt(TimeProvider clock, HarmLevel harm) => DueAt(clock.GetUtcNow(), harm);
}
