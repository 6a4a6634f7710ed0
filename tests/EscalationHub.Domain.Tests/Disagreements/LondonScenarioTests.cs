using EscalationHub.Domain.Disagreements;
using EscalationHub.Domain.Policies;
using static EscalationHub.Domain.Tests.Disagreements.Scenario;

namespace EscalationHub.Domain.Tests.Disagreements;

public class LondonScenarioTests
{
    private const string Profile = "london-pa4-kingston-richmond";

    [Fact]
    public void A_working_week_then_a_further_working_week_then_without_delay_across_Easter_and_the_clock_change()
    {
        // Wednesday 24 March 2027 (GMT). Easter closes 26 and 29 March; clocks go forward on the 28th.
        var s = new Scenario(Profile, "2027-03-24T11:00:00");
        Assert.Equal(new(Utc("2027-04-02T16:00:00"), "a working week (London stage 1)"), s.LastStageEntered.Deadline);

        s.At("2027-04-02T15:00:00").Escalate();
        Assert.Equal(new(Utc("2027-04-09T16:00:00"), "a further working week (London stage 2)"), s.LastStageEntered.Deadline);
        Assert.Contains(new ExpectedRole("SCH-101", AgencyType.Education, "designated safeguarding lead"), s.LastStageEntered.ExpectedRoles);

        // Friday 18:30 BST, out of hours: without delay means by Monday's close.
        s.At("2027-04-09T17:30:00").Escalate();
        Assert.Equal(new(Utc("2027-04-12T16:00:00"), "without delay (taken as the same working day) (London stage 3)"), s.LastStageEntered.Deadline);
        Assert.Contains(new ExpectedRole("LA-CSC", AgencyType.SocialCare, "service manager"), s.LastStageEntered.ExpectedRoles);
    }

    [Fact]
    public void Significant_harm_makes_a_working_week_the_same_working_day()
    {
        var s = new Scenario(Profile, "2027-01-04T10:00:00", HarmLevel.SignificantHarm);
        Assert.Equal(new(Utc("2027-01-04T17:00:00"), "significant harm: same working day"), s.LastStageEntered.Deadline);
    }

    [Fact]
    public void Significant_harm_raised_on_Friday_evening_is_due_by_Mondays_close()
    {
        var s = new Scenario(Profile, "2027-01-08T18:00:00", HarmLevel.SignificantHarm);
        Assert.Equal(Utc("2027-01-11T17:00:00"), s.LastStageEntered.Deadline!.Instant);
    }

    [Fact]
    public void Stage_5_brings_in_the_partnership()
    {
        var s = new Scenario(Profile, "2027-01-04T10:00:00");
        for (var i = 0; i < 4; i++) s.Escalate();
        Assert.Equal(5, s.LastStageEntered.Stage);
        Assert.Equal(["Kingston and Richmond Safeguarding Children Partnership"], s.LastStageEntered.MustInform);
    }
}
