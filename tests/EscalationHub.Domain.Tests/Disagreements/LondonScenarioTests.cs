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
        Assert.Equal(new(Utc("2027-04-12T16:00:00"),
            "referred without delay to heads of service if not resolved (taken as the same working day; a time to refer, not to resolve) (London stage 3)"),
            s.LastStageEntered.Deadline);
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

    [Fact]
    public void Referred_without_delay_is_the_time_to_refer_stage_3_upwards_not_a_resolution_deadline_so_the_case_does_not_climb_3_4_5_on_its_own()
    {
        var s = new Scenario(Profile, "2027-01-04T10:00:00");
        s.Escalate();
        s.At("2027-01-05T10:00:00").Escalate();
        var stage3 = s.LastStageEntered;
        Assert.Equal(3, stage3.Stage);
        Assert.True(stage3.ReferralOnly);
        Assert.Equal(Utc("2027-01-05T17:00:00"), stage3.Deadline!.Instant);

        // The hub warns the parties when the time to refer has passed; it never escalates by itself.
        Assert.Null(s.Disagreement.AutomaticEscalationDueAt);
        Assert.Equal(Utc("2027-01-05T17:00:00"), s.Disagreement.ReferralWarningDueAt);
        s.At("2027-01-08T10:00:00");
        Assert.True(s.Disagreement.IsOverdue(s.Now));
        Assert.Contains("a party refers it upwards", Refused(() => s.Disagreement.EscalateOnMissedDeadline(s.Now)).Reason);
        Assert.Equal(3, s.Disagreement.CurrentStage.Stage);

        // A party refers it: heads of service.
        s.Escalate();
        Assert.Equal(4, s.LastStageEntered.Stage);
    }

    [Fact]
    public void Referred_urgently_to_the_partnership_is_a_time_to_refer_at_stage_4_and_the_partnership_at_stage_5_has_no_deadline()
    {
        var s = new Scenario(Profile, "2027-01-04T10:00:00");
        for (var i = 0; i < 3; i++) s.Escalate();
        var stage4 = s.LastStageEntered;
        Assert.Equal(4, stage4.Stage);
        Assert.True(stage4.ReferralOnly);
        Assert.StartsWith("referred urgently to the safeguarding children partnership", stage4.Deadline!.Rule);
        Assert.Null(s.Disagreement.AutomaticEscalationDueAt);
        Assert.Equal(stage4.Deadline.Instant, s.Disagreement.ReferralWarningDueAt);

        s.Escalate();
        Assert.Equal(5, s.LastStageEntered.Stage);
        Assert.Null(s.LastStageEntered.Deadline);
        Assert.Null(s.Disagreement.ReferralWarningDueAt);
    }

    [Fact]
    public void A_working_week_at_stages_1_and_2_is_still_a_resolution_deadline_that_escalates_when_missed()
    {
        var s = new Scenario(Profile, "2027-01-04T10:00:00");
        Assert.False(s.LastStageEntered.ReferralOnly);
        Assert.Equal(Utc("2027-01-11T17:00:00"), s.Disagreement.AutomaticEscalationDueAt);
        Assert.Null(s.Disagreement.ReferralWarningDueAt);
        s.At("2027-01-11T17:00:01").Do((d, now) => d.EscalateOnMissedDeadline(now));
        Assert.Equal(2, s.LastStageEntered.Stage);
    }

    [Fact]
    public void Significant_harm_at_stage_3_shortens_the_time_to_refer_but_the_case_is_still_referred_by_a_party()
    {
        var s = new Scenario(Profile, "2027-01-04T10:00:00", HarmLevel.SignificantHarm);
        s.Escalate();
        s.At("2027-01-05T10:00:00").Escalate();
        Assert.True(s.LastStageEntered.ReferralOnly);
        Assert.Null(s.Disagreement.AutomaticEscalationDueAt);
        Assert.Equal(Utc("2027-01-05T17:00:00"), s.Disagreement.ReferralWarningDueAt);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void The_managers_approve_and_date_the_record_before_a_stage_is_resolved(int stage)
    {
        var s = new Scenario(Profile, "2027-01-04T10:00:00");
        for (var i = 1; i < stage; i++) s.Escalate();
        s.At("2027-01-04T15:00:00");
        var record = s.Meeting("SCH-101");

        var refusal = Refused(() => s.Disagreement.Resolve("LA-CSC", "agreed", [], s.Now));
        Assert.Contains($"stage {stage} (", refusal.Reason);
        Assert.Contains("until its record has been approved and dated by every party's manager: record R1 awaits SCH-101, LA-CSC", refusal.Reason);

        s.At("2027-01-04T16:00:00").Do((d, now) => d.ApproveRecord("SCH-101", record, now));
        Assert.Contains("awaits LA-CSC", Refused(() => s.Disagreement.Resolve("LA-CSC", "agreed", [], s.Now)).Reason);
        Assert.Equal(DisagreementStatus.Open, s.Disagreement.Status);

        s.At("2027-01-04T16:30:00").Do((d, now) => d.ApproveRecord("LA-CSC", record, now));
        Assert.IsType<Resolved>(Assert.Single(s.Do((d, now) => d.Resolve("LA-CSC", "agreed", [], now))));
        Assert.Equal([new Approval("SCH-101", Utc("2027-01-04T16:00:00")), new Approval("LA-CSC", Utc("2027-01-04T16:30:00"))],
            s.Disagreement.State.Records.Single().Approvals);
    }

    [Fact]
    public void A_record_approved_by_a_stage_before_does_not_let_a_later_stage_be_resolved()
    {
        var s = new Scenario(Profile, "2027-01-04T10:00:00").At("2027-01-04T11:00:00");
        s.SignedByAll(s.Meeting("SCH-101"));
        s.Escalate();
        Assert.Contains("no record of this stage has been added", Refused(() => s.Disagreement.Resolve("LA-CSC", "agreed", [], s.Now)).Reason);
    }

    [Fact]
    public void Child_protection_conference_dissent_is_distinct_from_resolving_professional_differences_and_is_refused_not_taken_into_stage_1()
    {
        var refusal = Refused(() => new Scenario(Profile, "2027-01-04T10:00:00", area: AreaOfDisagreement.ChildProtectionConferenceDecision));
        Assert.StartsWith("London Child Protection Procedures PA4 (Kingston and Richmond): resolving professional disagreements does not take ChildProtectionConferenceDecision: " +
            "dissent from a child protection conference decision is distinct from resolving professional differences", refusal.Reason);
        Assert.Contains("conference chair", refusal.Reason);
    }

    [Fact]
    public void The_need_for_a_child_protection_conference_is_a_professional_difference_and_enters_stage_1()
    {
        var s = new Scenario(Profile, "2027-01-04T10:00:00", area: AreaOfDisagreement.NeedForChildProtectionConference);
        Assert.Equal(1, s.LastStageEntered.Stage);
    }

    [Fact]
    public void The_partnership_decides_at_stage_5_only_once_the_managers_approve_and_date_the_record()
    {
        var s = new Scenario(Profile, "2027-01-04T10:00:00");
        for (var i = 0; i < 4; i++) s.Escalate();
        var record = s.Meeting("LA-CSC");
        Assert.Contains("until its record has been approved and dated by every party's manager", Refused(() =>
            s.Disagreement.DecideFinalOutcome(FinalOutcome.PartnershipDecision, "Partnership chair", "CSC to assess", s.Now)).Reason);
        s.SignedByAll(record);
        Assert.IsType<FinalOutcomeDecided>(Assert.Single(s.Do((d, now) =>
            d.DecideFinalOutcome(FinalOutcome.PartnershipDecision, "Partnership chair", "CSC to assess", now))));
    }
}
