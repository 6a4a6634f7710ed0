using EscalationHub.Domain.Calendar;
using EscalationHub.Domain.Concerns;
using EscalationHub.Domain.Policies;
using Microsoft.Extensions.Time.Testing;

namespace EscalationHub.Domain.Tests.Concerns;

/// <summary>A concern's decision is due at the lesser of one working day and the harm level's protective timescale
/// (significant harm: the same working day; imminent harm: immediately), on the England and Wales calendar.</summary>
public class ConcernDecisionRuleTests
{
    private static DateTimeOffset Utc(string iso) => DateTimeOffset.Parse(iso + "Z", null, System.Globalization.DateTimeStyles.AdjustToUniversal);

    [Theory]
    // Wednesday 9 December 2026, 13:03 GMT: the three harm levels of the issue.
    [InlineData("2026-12-09T13:03:00", HarmLevel.Standard, "2026-12-10T17:00:00", "1 working day (decision on a referral)")]
    [InlineData("2026-12-09T13:03:00", HarmLevel.SignificantHarm, "2026-12-09T17:00:00", "same working day (significant harm)")]
    [InlineData("2026-12-09T13:03:00", HarmLevel.ImminentHarm, "2026-12-09T13:03:00", "immediately (imminent harm)")]
    // Before opening counts as that working day for significant harm.
    [InlineData("2026-12-09T07:00:00", HarmLevel.SignificantHarm, "2026-12-09T17:00:00", "same working day (significant harm)")]
    // After hours: the same working day is the next one, no sooner than one working day, so the statutory rule is named.
    [InlineData("2026-12-09T18:30:00", HarmLevel.Standard, "2026-12-10T17:00:00", "1 working day (decision on a referral)")]
    [InlineData("2026-12-09T18:30:00", HarmLevel.SignificantHarm, "2026-12-10T17:00:00", "1 working day (decision on a referral)")]
    [InlineData("2026-12-09T18:30:00", HarmLevel.ImminentHarm, "2026-12-09T18:30:00", "immediately (imminent harm)")]
    // Friday afternoon: one working day is Monday; significant harm is Friday's close.
    [InlineData("2026-12-04T13:03:00", HarmLevel.Standard, "2026-12-07T17:00:00", "1 working day (decision on a referral)")]
    [InlineData("2026-12-04T13:03:00", HarmLevel.SignificantHarm, "2026-12-04T17:00:00", "same working day (significant harm)")]
    // Saturday: Monday is day 1 for both; imminent harm does not wait for the weekend.
    [InlineData("2026-12-05T10:00:00", HarmLevel.Standard, "2026-12-07T17:00:00", "1 working day (decision on a referral)")]
    [InlineData("2026-12-05T10:00:00", HarmLevel.SignificantHarm, "2026-12-07T17:00:00", "1 working day (decision on a referral)")]
    [InlineData("2026-12-05T10:00:00", HarmLevel.ImminentHarm, "2026-12-05T10:00:00", "immediately (imminent harm)")]
    // Christmas Eve 2026 (a Thursday): Christmas Day, the weekend and Boxing Day's substitute Monday 28th are closed.
    [InlineData("2026-12-24T14:00:00", HarmLevel.Standard, "2026-12-29T17:00:00", "1 working day (decision on a referral)")]
    [InlineData("2026-12-24T14:00:00", HarmLevel.SignificantHarm, "2026-12-24T17:00:00", "same working day (significant harm)")]
    // Maundy Thursday 2027, GMT; Good Friday and Easter Monday closed, clocks forward on the Sunday: 17:00 BST is 16:00Z.
    [InlineData("2027-03-25T15:00:00", HarmLevel.Standard, "2027-03-30T16:00:00", "1 working day (decision on a referral)")]
    [InlineData("2027-03-25T15:00:00", HarmLevel.SignificantHarm, "2027-03-25T17:00:00", "same working day (significant harm)")]
    // Summer: close of working hours is 16:00Z.
    [InlineData("2027-07-14T12:00:00", HarmLevel.SignificantHarm, "2027-07-14T16:00:00", "same working day (significant harm)")]
    public void A_decision_is_due_at_the_lesser_of_one_working_day_and_the_harm_levels_protective_timescale(
        string raisedUtc, HarmLevel harm, string dueUtc, string rule)
    {
        var due = ConcernDecisionRule.EnglandAndWales.DueAt(Utc(raisedUtc), harm);

        Assert.Equal(Utc(dueUtc), due.Instant);
        Assert.Equal(rule, due.Rule);
    }

    [Fact]
    public void A_concern_raised_now_is_due_by_the_clock_it_is_given()
    {
        var clock = new FakeTimeProvider(Utc("2026-12-09T13:03:00"));

        Assert.Equal(Utc("2026-12-09T17:00:00"), ConcernDecisionRule.EnglandAndWales.DueAt(clock, HarmLevel.SignificantHarm).Instant);
    }

    [Fact]
    public void A_partnership_timescale_shorter_than_a_working_day_still_yields_to_imminent_harm()
    {
        var rule = new ConcernDecisionRule(WorkingCalendar.EnglandAndWales, Timescale.Parse("24h"));

        Assert.Equal(Utc("2026-12-10T13:03:00"), rule.DueAt(Utc("2026-12-09T13:03:00"), HarmLevel.Standard).Instant);
        Assert.Equal(Utc("2026-12-09T13:03:00"), rule.DueAt(Utc("2026-12-09T13:03:00"), HarmLevel.ImminentHarm).Instant);
    }

    [Fact]
    public void A_decision_without_a_timescale_is_refused() =>
        Assert.Throws<ArgumentException>(() => new ConcernDecisionRule(WorkingCalendar.EnglandAndWales, Timescale.None));
}
