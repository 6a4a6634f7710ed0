using EscalationHub.Domain.Disagreements;
using EscalationHub.Domain.Policies;
using static EscalationHub.Domain.Tests.Disagreements.Scenario;

namespace EscalationHub.Domain.Tests.Disagreements;

public class BerkshireScenarioTests
{
    private const string Profile = "berkshire-v17";

    [Fact]
    public void Practitioners_have_a_working_day_then_line_managers_24_hours_then_each_stage_24_hours_then_a_meeting_within_48_hours()
    {
        // Friday 2 July 2027, 12:00 BST.
        var s = new Scenario(Profile, "2027-07-02T11:00:00", raiser: Police, responders: [SocialCare]);
        Assert.Equal(new(Utc("2027-07-05T16:00:00"), "practitioners within 1 working day (Berkshire stage 1, step 1)"), s.LastStageEntered.Deadline);

        s.At("2027-07-05T09:00:00").Escalate("NWP");
        Assert.Equal((1, 2), (s.LastStageEntered.Stage, s.LastStageEntered.Step));
        Assert.Equal(new(Utc("2027-07-06T09:00:00"), "line managers within 24 hours (Berkshire stage 1, step 2)"), s.LastStageEntered.Deadline);
        Assert.Contains(new ExpectedRole("NWP", AgencyType.Police, "DS"), s.LastStageEntered.ExpectedRoles);

        s.At("2027-07-06T09:30:00").Escalate("NWP");
        Assert.Equal(new(Utc("2027-07-07T09:30:00"), "24 hours (Berkshire stage 2)"), s.LastStageEntered.Deadline);
        Assert.Equal(["the raising agency's designated or named safeguarding professional"], s.LastStageEntered.MustInform);

        // 24 hours is elapsed time: a Saturday escalation is due on Sunday.
        s.At("2027-07-10T10:00:00").Escalate("NWP");
        Assert.Equal(Utc("2027-07-11T10:00:00"), s.LastStageEntered.Deadline!.Instant);

        s.At("2027-07-11T11:00:00").Escalate("NWP");
        Assert.Equal(new(Utc("2027-07-13T11:00:00"), "a meeting within 48 hours at most (Berkshire stage 4)"), s.LastStageEntered.Deadline);
        Assert.Equal(["statutory safeguarding partners", "case review subgroup"], s.LastStageEntered.MustInform);

        Assert.StartsWith("cannot escalate beyond stage 4 (the final stage)", Refused(() => s.Escalate("NWP")).Reason);
    }

    [Fact]
    public void Stage_2_is_24_elapsed_hours_across_the_spring_clock_change()
    {
        var s = new Scenario(Profile, "2027-03-25T10:00:00", raiser: Police, responders: [SocialCare]).At("2027-03-26T10:00:00");
        s.Escalate("NWP");
        s.At("2027-03-27T10:00:00").Escalate("NWP");
        Assert.Equal(2, s.LastStageEntered.Stage);
        Assert.Equal(Utc("2027-03-28T10:00:00"), s.LastStageEntered.Deadline!.Instant);
    }

    [Fact]
    public void Imminent_harm_is_due_at_once_and_the_clock_does_not_climb_the_ladder_by_itself()
    {
        var s = new Scenario(Profile, "2027-07-03T02:13:00", HarmLevel.ImminentHarm, raiser: Police, responders: [SocialCare]);
        var entered = s.LastStageEntered;
        Assert.Equal(new(Utc("2027-07-03T02:13:00"), "imminent harm: immediately (inform the designated lead, dial 999)"), entered.Deadline);
        Assert.True(entered.DueImmediately);
        Assert.Equal(["designated safeguarding leads"], entered.MustInform);
        Assert.Null(s.Disagreement.AutomaticEscalationDueAt);
        Assert.Contains("due immediately", Refused(() => s.Disagreement.EscalateOnMissedDeadline(s.Now.AddHours(1))).Reason);

        // A party still climbs, and each rung is due at once.
        s.At("2027-07-03T02:20:00").Escalate("NWP");
        Assert.Equal(Utc("2027-07-03T02:20:00"), s.LastStageEntered.Deadline!.Instant);
    }

    [Fact]
    public void The_final_senior_managers_stage_needs_its_meeting_before_an_outcome()
    {
        var s = new Scenario(Profile, "2027-07-05T09:00:00", raiser: Police, responders: [SocialCare]);
        for (var i = 0; i < 4; i++) s.Escalate("NWP");
        Assert.Equal(4, s.Disagreement.CurrentStage.Stage);
        Assert.Contains("meeting has been held",
            Refused(() => s.Disagreement.DecideFinalOutcome(FinalOutcome.ReferredToCaseReviewSubgroup, "Independent chair", "referred", s.Now)).Reason);
        s.Meeting("LA-CSC");
        var decided = Assert.IsType<FinalOutcomeDecided>(Assert.Single(
            s.Do((d, now) => d.DecideFinalOutcome(FinalOutcome.ReferredToCaseReviewSubgroup, "Independent chair", "referred", now))));
        Assert.Equal("Partnership Business Manager", decided.ReportTo);
    }
}
