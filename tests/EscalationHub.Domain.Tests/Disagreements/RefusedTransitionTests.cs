using EscalationHub.Domain.Calendar;
using EscalationHub.Domain.Disagreements;
using EscalationHub.Domain.Policies;
using static EscalationHub.Domain.Tests.Disagreements.Scenario;

namespace EscalationHub.Domain.Tests.Disagreements;

public class RefusedTransitionTests
{
    private static Scenario London() => new("london-pa4-kingston-richmond", "2027-01-04T10:00:00");

    private static Scenario Resolved()
    {
        var s = London().At("2027-01-05T10:00:00");
        s.SignedByAll(s.Meeting("SCH-101"));
        s.Do((d, now) => d.Resolve("LA-CSC", "Re-referral accepted", [new("LA-CSC", "start an assessment", Utc("2027-01-06T17:00:00"))], now));
        return s;
    }

    [Fact]
    public void Only_a_party_can_approve_a_record()
    {
        var s = London();
        var record = s.Meeting("SCH-101");
        Assert.Equal("only a party can approve a record: NWP is not a party to disagreement D-1",
            Refused(() => s.Disagreement.ApproveRecord("NWP", record, s.Now)).Reason);
    }

    [Fact]
    public void Only_a_party_can_escalate() =>
        Assert.StartsWith("only a party can escalate", Refused(() => London().Escalate("NWP")).Reason);

    [Fact]
    public void Approving_an_unknown_record_is_refused() =>
        Assert.Contains("no record R9", Refused(() => London().Disagreement.ApproveRecord("SCH-101", "R9", Utc("2027-01-04T11:00:00"))).Reason);

    [Fact]
    public void Approving_the_same_record_twice_changes_nothing()
    {
        var s = London();
        var record = s.Meeting("SCH-101");
        Assert.Single(s.Do((d, now) => d.ApproveRecord("LA-CSC", record, now)));
        Assert.Empty(s.Do((d, now) => d.ApproveRecord("LA-CSC", record, now)));
        Assert.Single(s.Disagreement.State.Records.Single().Approvals);
    }

    [Fact]
    public void A_record_of_a_discussion_that_has_not_happened_yet_is_refused()
    {
        var s = London();
        Assert.Contains("not happened yet",
            Refused(() => s.Disagreement.RecordDiscussion("SCH-101", s.Now.AddHours(1), "x", [], true, s.Now)).Reason);
    }

    [Fact]
    public void A_stage_cannot_be_resolved_without_a_record_of_the_discussion() =>
        Assert.Contains("until a record of the discussion has been added",
            Refused(() => new Scenario("berkshire-v17", "2027-01-04T10:00:00").Disagreement.Resolve("SCH-101", "agreed", [], Utc("2027-01-05T10:00:00"))).Reason);

    [Fact]
    public void Cannot_close_before_feedback_has_been_given_to_the_raiser()
    {
        var s = Resolved();
        Assert.Equal("cannot close before feedback has been given to the raiser", Refused(() => s.Disagreement.Close("SCH-101", s.Now)).Reason);
    }

    [Fact]
    public void Cannot_close_an_unresolved_disagreement() =>
        Assert.StartsWith("cannot close an unresolved disagreement", Refused(() => London().Disagreement.Close("SCH-101", Utc("2027-01-05T10:00:00"))).Reason);

    [Fact]
    public void Feedback_waits_for_an_outcome() =>
        Assert.StartsWith("there is no outcome to feed back yet",
            Refused(() => London().Disagreement.GiveFeedback("LA-CSC", "x", Utc("2027-01-05T10:00:00"))).Reason);

    [Fact]
    public void A_resolved_disagreement_cannot_be_escalated_or_resolved_again()
    {
        var s = Resolved();
        Assert.Equal("cannot escalate: the disagreement has already been resolved", Refused(() => s.Escalate()).Reason);
        Assert.Null(s.Disagreement.AutomaticEscalationDueAt);
        Assert.Null(s.Disagreement.CurrentDeadline);
        Refused(() => s.Disagreement.Resolve("SCH-101", "again", [], s.Now));
    }

    [Fact]
    public void A_closed_disagreement_refuses_everything()
    {
        var s = Resolved();
        s.Do((d, now) => d.GiveFeedback("LA-CSC", "Assessment started", now));
        s.Do((d, now) => d.Close("SCH-101", now));
        Assert.Contains("closed", Refused(() => s.Disagreement.CaptureLearning("SCH-101", "late", [LearningTheme.Other], s.Now)).Reason);
        Assert.Contains("closed", Refused(() => s.Disagreement.RecordDiscussion("SCH-101", s.Now, "x", [], false, s.Now)).Reason);
        Assert.Contains("closed", Refused(() => s.Disagreement.Close("SCH-101", s.Now)).Reason);
    }

    [Fact]
    public void Learning_needs_at_least_one_theme_and_keeps_each_theme_once_in_vocabulary_order()
    {
        var s = Resolved();
        Assert.Equal("learning needs at least one theme", Refused(() => s.Disagreement.CaptureLearning("SCH-101", "text", [], s.Now)).Reason);
        s.Do((d, now) => d.CaptureLearning("SCH-101", "text", [LearningTheme.RoleClarity, LearningTheme.Communication, LearningTheme.RoleClarity], now));
        Assert.Equal([LearningTheme.Communication, LearningTheme.RoleClarity], s.Disagreement.State.Learning.Single().Themes);
        Assert.Equal(["threshold-understanding", "information-sharing", "communication", "escalation-timeliness", "role-clarity", "record-keeping", "other"],
            LearningThemes.Codes);
    }

    [Fact]
    public void A_final_outcome_is_decided_only_at_the_final_stage() =>
        Assert.StartsWith("a final outcome is decided only at stage 5 (Safeguarding children partnership)",
            Refused(() => London().Disagreement.DecideFinalOutcome(FinalOutcome.PartnershipDecision, "Chair", "x", Utc("2027-01-05T10:00:00"))).Reason);

    [Fact]
    public void An_escalation_needs_a_reason() =>
        Assert.Equal("an escalation needs a reason", Refused(() => London().Disagreement.Escalate("SCH-101", " ", Utc("2027-01-05T10:00:00"))).Reason);

    public static TheoryData<OpenDisagreement, string> BadOpenings => new()
    {
        { new("D", School, [], ["CF-1"], AreaOfDisagreement.Other, HarmLevel.Standard, "s"), "at least one responding party" },
        { new("D", School, [SocialCare], [], AreaOfDisagreement.Other, HarmLevel.Standard, "s"), "at least one child file id" },
        { new("D", School, [School], ["CF-1"], AreaOfDisagreement.Other, HarmLevel.Standard, "s"), "SCH-101 appears more than once" },
        { new("D", School, [SocialCare], ["CF-1"], AreaOfDisagreement.Other, HarmLevel.Standard, ""), "written summary" },
    };

    [Theory]
    [MemberData(nameof(BadOpenings))]
    public void Opening_is_refused_without_the_essentials(OpenDisagreement command, string reason) =>
        Assert.Contains(reason, Refused(() => Disagreement.Open(command, Profiles["north-wales-2014"], WorkingCalendar.EnglandAndWales, Utc("2027-01-04T10:00:00"))).Reason);

    [Fact]
    public void A_refused_transition_changes_nothing()
    {
        var s = London();
        var version = s.Disagreement.State.Version;
        Refused(() => s.Disagreement.Close("SCH-101", s.Now));
        Refused(() => s.Escalate("NWP"));
        Assert.Equal(version, s.Disagreement.State.Version);
    }

    [Fact]
    public void Several_responders_and_children_all_get_expected_roles_and_must_all_sign()
    {
        var s = new Scenario("north-wales-2014", "2027-01-04T10:00:00", responders: [SocialCare, Police, Hospital]).At("2027-01-05T10:00:00");
        Assert.Equal(["SCH-101", "LA-CSC", "NWP", "RX1"], s.LastStageEntered.ExpectedRoles.Select(r => r.AgencyCode));
        var record = s.Meeting("SCH-101");
        foreach (var code in new[] { "SCH-101", "LA-CSC", "NWP" })
            s.Do((d, now) => d.ApproveRecord(code, record, now));
        Assert.Contains("awaits RX1", Refused(() => s.Disagreement.Resolve("SCH-101", "agreed", [], s.Now)).Reason);
    }
}
