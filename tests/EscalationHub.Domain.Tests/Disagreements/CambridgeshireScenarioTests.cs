using EscalationHub.Domain.Disagreements;
using EscalationHub.Domain.Policies;
using static EscalationHub.Domain.Tests.Disagreements.Scenario;

namespace EscalationHub.Domain.Tests.Disagreements;

public class CambridgeshireScenarioTests
{
    private const string Profile = "cambridgeshire-2013";

    [Fact]
    public void Standard_harm_at_stage_1_has_no_deadline_because_none_is_stated()
    {
        var s = new Scenario(Profile, "2027-01-04T10:00:00");
        Assert.Null(s.LastStageEntered.Deadline);
        Assert.Null(s.Disagreement.AutomaticEscalationDueAt);
    }

    [Fact]
    public void A_suspected_non_accidental_injury_to_an_infant_is_due_immediately()
    {
        var s = new Scenario(Profile, "2027-01-09T21:40:00", infantNai: true, raiser: Hospital, responders: [SocialCare]);
        Assert.Equal(new(Utc("2027-01-09T21:40:00"), "suspected non-accidental injury to an infant: immediately"), s.LastStageEntered.Deadline);
        Assert.True(s.LastStageEntered.DueImmediately);
    }

    [Fact]
    public void The_infant_NAI_flag_changes_nothing_under_a_profile_without_that_rule()
    {
        var s = new Scenario("north-wales-2014", "2027-01-04T10:00:00", infantNai: true);
        Assert.Equal(Utc("2027-01-18T17:00:00"), s.LastStageEntered.Deadline!.Instant);
    }

    [Fact]
    public void Designated_safeguarding_leads_liaise_immediately_at_stage_3()
    {
        var s = new Scenario(Profile, "2027-01-04T10:00:00", raiser: Hospital, responders: [SocialCare]).At("2027-01-05T11:00:00");
        s.Escalate("RX1");
        s.Escalate("RX1");
        var stage3 = s.LastStageEntered;
        Assert.Equal(3, stage3.Stage);
        Assert.Equal(new(Utc("2027-01-05T11:00:00"), "designated leads liaise immediately (Cambridgeshire stage 3)"), stage3.Deadline);
        Assert.True(stage3.DueImmediately);
        Assert.Equal(["designated safeguarding leads"], stage3.MustInform);
        Assert.Contains(new ExpectedRole("RX1", AgencyType.Health, "designated nurse/doctor"), stage3.ExpectedRoles);
    }

    [Fact]
    public void The_independent_chair_stage_ends_in_an_outcome_the_profile_provides()
    {
        var s = new Scenario(Profile, "2027-01-04T10:00:00", raiser: Hospital, responders: [SocialCare]);
        for (var i = 0; i < 4; i++) s.Escalate("RX1");
        Assert.Equal(["LSCB independent chair"], s.LastStageEntered.MustInform);
        s.Meeting("RX1");
        Assert.Contains("does not provide Mediation",
            Refused(() => s.Disagreement.DecideFinalOutcome(FinalOutcome.Mediation, "LSCB independent chair", "x", s.Now)).Reason);
        var decided = Assert.IsType<FinalOutcomeDecided>(Assert.Single(s.Do((d, now) =>
            d.DecideFinalOutcome(FinalOutcome.MultiAgencyCaseReviewRecommended, "LSCB independent chair", "SCR subgroup to consider", now))));
        Assert.Equal(5, decided.Stage);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void Written_confirmation_between_the_parties_about_an_agreed_outcome_so_one_partys_word_does_not_resolve_it(int stage)
    {
        var s = new Scenario(Profile, "2027-01-04T10:00:00", raiser: Hospital, responders: [SocialCare, Police]);
        for (var i = 1; i < stage; i++) s.Escalate("RX1");
        var record = ((RecordAdded)s.Do((d, now) => d.RecordDiscussion("LA-CSC", now, "Agreed outcome: strategy discussion today", [], false, now))[0]).Record.Id;
        s.Do((d, now) => d.ApproveRecord("LA-CSC", record, now));

        var refusal = Refused(() => s.Disagreement.Resolve("LA-CSC", "Strategy discussion today", [], s.Now));
        Assert.Contains("cannot be resolved on one party's word: it needs written confirmation between the parties about an agreed outcome", refusal.Reason);
        Assert.EndsWith($"record {record} awaits RX1, NWP", refusal.Reason);

        s.Do((d, now) => d.ApproveRecord("RX1", record, now));
        Assert.EndsWith("awaits NWP", Refused(() => s.Disagreement.Resolve("LA-CSC", "Strategy discussion today", [], s.Now)).Reason);
        Assert.Equal(DisagreementStatus.Open, s.Disagreement.Status);

        s.Do((d, now) => d.ApproveRecord("NWP", record, now));
        Assert.Equal(stage, Assert.IsType<Resolved>(Assert.Single(s.Do((d, now) => d.Resolve("LA-CSC", "Strategy discussion today", [], now)))).Stage);
    }

    [Fact]
    public void The_social_care_ladder_is_social_worker_then_consultant_social_worker_then_group_manager()
    {
        var s = new Scenario(Profile, "2027-01-04T10:00:00", raiser: Hospital, responders: [SocialCare]);
        var roles = new List<string> { s.LastStageEntered.ExpectedRoles.Single(r => r.AgencyCode == "LA-CSC").Role };
        for (var i = 0; i < 4; i++)
        {
            s.Escalate("RX1");
            roles.Add(s.LastStageEntered.ExpectedRoles.Single(r => r.AgencyCode == "LA-CSC").Role);
        }
        Assert.Equal(["social worker", "consultant social worker", "group manager", "head of service", "service director"], roles);
    }
}
