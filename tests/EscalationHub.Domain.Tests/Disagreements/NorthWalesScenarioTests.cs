using EscalationHub.Domain.Disagreements;
using EscalationHub.Domain.Policies;
using static EscalationHub.Domain.Tests.Disagreements.Scenario;

namespace EscalationHub.Domain.Tests.Disagreements;

public class NorthWalesScenarioTests
{
    private const string Profile = "north-wales-2014";

    [Fact]
    public void A_concern_in_writing_on_Monday_4_January_2027_makes_stage_1_due_at_17_00Z_on_18_January()
    {
        var s = new Scenario(Profile, "2027-01-04T10:00:00");
        var entered = s.LastStageEntered;
        Assert.Equal(1, entered.Stage);
        Assert.Equal(new(Utc("2027-01-18T17:00:00"), "10 working days from the written concern (North Wales stage 1)"), entered.Deadline);
        Assert.False(entered.DueImmediately);
        Assert.Equal([new("SCH-101", AgencyType.Education, "staff member"), new("LA-CSC", AgencyType.SocialCare, "social worker")], entered.ExpectedRoles);
        Assert.IsType<DisagreementOpened>(s.Events[0]);
    }

    [Fact]
    public void At_stage_1_the_raiser_must_always_inform_their_line_manager_and_Local_Authority_Child_Protection_Coordinator()
    {
        var s = new Scenario(Profile, "2027-01-04T10:00:00");
        Assert.Equal(["line manager", "CP co-ordinator"], s.LastStageEntered.MustInform);

        var informed = Profiles[Profile].InformedParties;
        Assert.Equal(InformedAgency.Raiser, informed.Single(p => p.Role == "line manager").Agency);
        var coordinator = informed.Single(p => p.Role == "CP co-ordinator");
        Assert.Equal(InformedAgency.LocalAuthority, coordinator.Agency);
        Assert.StartsWith("Local Authority Child Protection Co-ordinator", coordinator.Title);
    }

    [Fact]
    public void At_stage_2_the_CP_coordinator_is_informed()
    {
        var s = new Scenario(Profile, "2027-01-04T10:00:00");
        s.Escalate();
        Assert.Equal(2, s.LastStageEntered.Stage);
        Assert.Equal(["CP co-ordinator"], s.LastStageEntered.MustInform);
    }

    [Fact]
    public void Stage_1_cannot_be_resolved_until_the_written_account_is_signed_by_both_parties()
    {
        var s = new Scenario(Profile, "2027-01-04T10:00:00").At("2027-01-06T14:00:00");
        var record = s.Meeting("SCH-101");
        s.Do((d, now) => d.ApproveRecord("SCH-101", record, now));

        var refusal = Refused(() => s.Disagreement.Resolve("SCH-101", "agreed", [], s.Now));
        Assert.Contains("signed by every party", refusal.Reason);
        Assert.Contains("awaits LA-CSC", refusal.Reason);

        s.Do((d, now) => d.ApproveRecord("LA-CSC", record, now));
        var resolved = Assert.IsType<Resolved>(Assert.Single(s.Do((d, now) => d.Resolve("LA-CSC", "Strategy discussion to be held",
            [new AgreedAction("LA-CSC", "hold a strategy discussion", Utc("2027-01-07T17:00:00"))], now))));
        Assert.Equal(1, resolved.Stage);
    }

    [Fact]
    public void Stage_1_cannot_be_resolved_on_a_signed_phone_call_record_without_a_meeting()
    {
        var s = new Scenario(Profile, "2027-01-04T10:00:00").At("2027-01-05T10:00:00");
        s.SignedByAll(s.Meeting("SCH-101", isMeeting: false));
        Assert.Contains("meeting has been held", Refused(() => s.Disagreement.Resolve("SCH-101", "agreed", [], s.Now)).Reason);
    }

    [Fact]
    public void The_ladder_runs_10_working_days_from_the_stage_1_meeting_then_from_the_end_of_stage_2_up_to_the_Local_Delivery_Group()
    {
        var s = new Scenario(Profile, "2027-01-04T10:00:00").At("2027-01-07T14:00:00");
        s.SignedByAll(s.Meeting("SCH-101"));

        s.At("2027-01-11T10:00:00").Escalate();
        // Stage 2 counts from the stage 1 meeting on Thursday 7 January, not from the escalation.
        Assert.Equal(new(Utc("2027-01-21T17:00:00"), "10 working days from the stage 1 meeting (North Wales stage 2)"), s.LastStageEntered.Deadline);
        Assert.Contains(new ExpectedRole("LA-CSC", AgencyType.SocialCare, "team manager"), s.LastStageEntered.ExpectedRoles);

        s.At("2027-01-21T16:00:00").Escalate();
        var stage3 = s.LastStageEntered;
        Assert.Equal(3, stage3.Stage);
        Assert.Equal(new(Utc("2027-02-04T17:00:00"), "10 working days from the end of stage 2 (North Wales stage 3)"), stage3.Deadline);
        Assert.Equal(["CP co-ordinator"], stage3.MustInform);

        s.At("2027-02-04T12:00:00").Escalate();
        Assert.Null(s.LastStageEntered.Deadline);
        s.At("2027-02-10T12:00:00").Escalate();
        Assert.Equal(5, s.LastStageEntered.Stage);
        Assert.Contains(new ExpectedRole("SCH-101", AgencyType.Education, "education safeguarding manager"), s.LastStageEntered.ExpectedRoles);

        Assert.Equal("cannot escalate beyond stage 5 (the final stage): decide a final outcome (Mediation, CaseFileAudit) or resolve it",
            Refused(() => s.Escalate()).Reason);

        s.Meeting("LA-CSC");
        var outcome = Assert.IsType<FinalOutcomeDecided>(Assert.Single(s.Do((d, now) =>
            d.DecideFinalOutcome(FinalOutcome.Mediation, "Chair, Local Delivery Group", "Mediation between the agencies", now))));
        Assert.Equal("CP co-ordinator, for audit (2.10)", outcome.ReportTo);

        var feedback = Assert.IsType<FeedbackGiven>(Assert.Single(s.Do((d, now) => d.GiveFeedback("LA-CSC", "Mediation arranged", now))));
        Assert.Equal("SCH-101", feedback.To);
        s.Do((d, now) => d.CaptureLearning("SCH-101", "Threshold document unclear on bruising in non-mobile babies", [LearningTheme.ThresholdUnderstanding], now));
        Assert.IsType<Closed>(Assert.Single(s.Do((d, now) => d.Close("SCH-101", now))));
        Assert.Equal(DisagreementStatus.Closed, s.Disagreement.Status);
    }

    [Fact]
    public void A_child_protection_conference_dissent_enters_at_stage_3_with_the_CP_coordinator()
    {
        var s = new Scenario(Profile, "2027-01-04T10:00:00", area: AreaOfDisagreement.ChildProtectionConferenceDecision);
        var entered = Assert.Single(s.Events.OfType<StageEntered>());
        Assert.Equal(3, entered.Stage);
        Assert.Equal(["CP co-ordinator"], entered.MustInform);
        Assert.Equal(Utc("2027-01-18T17:00:00"), entered.Deadline!.Instant);
    }

    [Fact]
    public void Significant_harm_makes_stage_1_due_the_same_working_day()
    {
        var s = new Scenario(Profile, "2027-01-04T10:00:00", HarmLevel.SignificantHarm);
        Assert.Equal(new(Utc("2027-01-04T17:00:00"), "significant harm: same working day"), s.LastStageEntered.Deadline);
    }

    [Fact]
    public void A_missed_deadline_escalates_automatically_once_it_has_passed()
    {
        var s = new Scenario(Profile, "2027-01-04T10:00:00");
        Assert.Equal(Utc("2027-01-18T17:00:00"), s.Disagreement.AutomaticEscalationDueAt);

        s.At("2027-01-18T17:00:00");
        Assert.Contains("not yet overdue", Refused(() => s.Disagreement.EscalateOnMissedDeadline(s.Now)).Reason);

        s.At("2027-01-18T17:01:00");
        Assert.True(s.Disagreement.IsOverdue(s.Now));
        var events = s.Do((d, now) => d.EscalateOnMissedDeadline(now));
        var escalated = Assert.IsType<Escalated>(events[0]);
        Assert.True(escalated.Auto);
        Assert.Null(escalated.By);
        Assert.Contains("10 working days from the written concern", escalated.Reason);
        // No stage 1 meeting was held, so stage 2's clock starts at the escalation.
        Assert.Equal(Utc("2027-02-01T17:00:00"), Assert.IsType<StageEntered>(events[1]).Deadline!.Instant);
    }

    [Fact]
    public void A_stage_without_a_timescale_is_not_escalated_by_the_clock()
    {
        var s = new Scenario(Profile, "2027-01-04T10:00:00").At("2027-01-05T10:00:00");
        s.Escalate();
        s.Escalate();
        s.Escalate(); // stage 4: exceptional, no timescale
        Assert.Null(s.Disagreement.AutomaticEscalationDueAt);
        Assert.Contains("no deadline", Refused(() => s.Disagreement.EscalateOnMissedDeadline(s.Now.AddDays(100))).Reason);
    }

    [Fact]
    public void Escalating_long_after_the_stage_1_meeting_enters_stage_2_already_due_and_alerts_rather_than_climbing_by_the_clock()
    {
        var s = new Scenario(Profile, "2027-01-04T10:00:00").At("2027-01-07T14:00:00");
        s.Meeting("SCH-101");
        s.At("2027-02-01T10:00:00").Escalate();
        var stage2 = s.LastStageEntered;
        Assert.Equal(Utc("2027-01-21T17:00:00"), stage2.Deadline!.Instant);
        Assert.True(stage2.DueImmediately);
        Assert.Contains("designated safeguarding leads", stage2.MustInform);
        Assert.Null(s.Disagreement.AutomaticEscalationDueAt);
    }

    [Fact]
    public void A_resolution_at_any_stage_goes_to_the_CP_coordinator_for_audit()
    {
        var s = new Scenario(Profile, "2027-01-04T10:00:00").At("2027-01-05T10:00:00");
        s.SignedByAll(s.Meeting("LA-CSC"));
        var resolved = Assert.IsType<Resolved>(Assert.Single(s.Do((d, now) => d.Resolve("LA-CSC", "agreed", [], now))));
        Assert.Equal("CP co-ordinator, for audit (2.10)", resolved.ReportTo);
    }
}
