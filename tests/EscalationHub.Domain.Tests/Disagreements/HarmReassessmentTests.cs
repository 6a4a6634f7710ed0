using EscalationHub.Domain.Disagreements;
using EscalationHub.Domain.Policies;
using static EscalationHub.Domain.Tests.Disagreements.Scenario;

namespace EscalationHub.Domain.Tests.Disagreements;

public class HarmReassessmentTests
{
    [Fact]
    public void Raising_to_significant_harm_brings_the_deadline_forward_to_the_same_working_day()
    {
        var s = new Scenario("north-wales-2014", "2027-01-04T10:00:00").At("2027-01-06T11:00:00");
        var e = Assert.IsType<HarmReassessed>(Assert.Single(s.Do((d, now) => d.ReassessHarm("SCH-101", HarmLevel.SignificantHarm, "new bruising seen", now))));
        Assert.Equal(new(Utc("2027-01-06T17:00:00"), "significant harm: same working day"), e.Deadline);
        Assert.False(e.DueImmediately);
        Assert.Equal(Utc("2027-01-06T17:00:00"), s.Disagreement.AutomaticEscalationDueAt);
        Assert.Equal(HarmLevel.SignificantHarm, s.Disagreement.State.Harm);
    }

    [Fact]
    public void Raising_to_imminent_harm_makes_the_stage_due_at_once_and_alerts_the_designated_leads()
    {
        var s = new Scenario("berkshire-v17", "2027-01-04T10:00:00").At("2027-01-04T10:30:00");
        s.Do((d, now) => d.ReassessHarm("LA-CSC", HarmLevel.ImminentHarm, "child disclosed threat", now));
        Assert.Equal(Utc("2027-01-04T10:30:00"), s.Disagreement.CurrentDeadline!.Instant);
        Assert.True(s.Disagreement.CurrentStage.DueImmediately);
        Assert.Contains(Disagreement.DesignatedLeads, s.Disagreement.CurrentStage.MustInform);
        Assert.Null(s.Disagreement.AutomaticEscalationDueAt);
    }

    [Fact]
    public void Raising_the_harm_of_an_overdue_stage_keeps_it_for_the_sweep_to_escalate()
    {
        var s = new Scenario("north-wales-2014", "2027-01-04T10:00:00").At("2027-01-19T10:00:00");
        s.Do((d, now) => d.ReassessHarm("SCH-101", HarmLevel.SignificantHarm, "worse", now));
        Assert.Equal(Utc("2027-01-18T17:00:00"), s.Disagreement.CurrentDeadline!.Instant);
        Assert.Equal(2, Assert.IsType<StageEntered>(s.Do((d, now) => d.EscalateOnMissedDeadline(now))[1]).Stage);
    }

    [Fact]
    public void Harm_cannot_be_lowered_within_a_disagreement()
    {
        var s = new Scenario("north-wales-2014", "2027-01-04T10:00:00", HarmLevel.SignificantHarm);
        Assert.Equal("the harm level can only be raised within a disagreement: it is SignificantHarm, asked for Standard",
            Refused(() => s.Disagreement.ReassessHarm("SCH-101", HarmLevel.Standard, "calmer", s.Now)).Reason);
    }

    [Fact]
    public void A_reassessment_replays()
    {
        var s = new Scenario("north-wales-2014", "2027-01-04T10:00:00").At("2027-01-06T11:00:00");
        s.Do((d, now) => d.ReassessHarm("SCH-101", HarmLevel.SignificantHarm, "new bruising seen", now));
        var replayed = Disagreement.Replay(s.Events, Profiles["north-wales-2014"], s.Disagreement.Calendar);
        Assert.Equal(s.Disagreement.CurrentDeadline, replayed.CurrentDeadline);
        Assert.Equal(HarmLevel.SignificantHarm, replayed.State.Harm);
    }

    [Fact]
    public void An_undefined_area_from_the_wire_is_refused() =>
        Assert.Contains("unknown area", Refused(() => Disagreement.Open(
            new OpenDisagreement("D", School, [SocialCare], ["CF"], (AreaOfDisagreement)99, HarmLevel.Standard, "s"),
            Profiles["north-wales-2014"], EscalationHub.Domain.Calendar.WorkingCalendar.EnglandAndWales, Utc("2027-01-04T10:00:00"))).Reason);
}
