using EscalationHub.Domain.Calendar;
using EscalationHub.Domain.Disagreements;
using EscalationHub.Domain.Policies;
using static EscalationHub.Domain.Tests.Disagreements.Scenario;

namespace EscalationHub.Domain.Tests.Disagreements;

public class LeicesterScenarioTests
{
    private const string Profile = "leicester-uhl-11";
    private static readonly Party Ward = new("UHL-WARD-7", AgencyType.Health);
    private static readonly Party Paediatrics = new("UHL-PAEDS", AgencyType.Health);

    [Fact]
    public void Significant_harm_is_escalated_the_same_working_day()
    {
        var s = new Scenario(Profile, "2027-07-05T08:30:00", HarmLevel.SignificantHarm, raiser: Ward, responders: [Paediatrics]);
        Assert.Equal(new(Utc("2027-07-05T16:00:00"), "significant harm: escalate the same working day"), s.LastStageEntered.Deadline);
    }

    [Fact]
    public void Otherwise_no_timescale_is_stated()
    {
        var s = new Scenario(Profile, "2027-07-05T08:30:00", raiser: Ward, responders: [Paediatrics]);
        Assert.Null(s.LastStageEntered.Deadline);
    }

    [Fact]
    public void The_resolutions_meeting_of_the_named_professionals_hands_unresolved_disputes_to_the_partnership()
    {
        var s = new Scenario(Profile, "2027-07-05T08:30:00", raiser: Ward, responders: [Paediatrics]);
        s.Escalate("UHL-WARD-7");
        Assert.Contains(new ExpectedRole("UHL-PAEDS", AgencyType.Health, "line manager (on-call consultant paediatrician / ward sister)"), s.LastStageEntered.ExpectedRoles);
        s.Escalate("UHL-WARD-7");
        Assert.Contains(new ExpectedRole("UHL-PAEDS", AgencyType.Health, "Named Doctor / Named Nurse and Matron for Safeguarding"), s.LastStageEntered.ExpectedRoles);
        s.Meeting("UHL-PAEDS");
        var decided = Assert.IsType<FinalOutcomeDecided>(Assert.Single(s.Do((d, now) =>
            d.DecideFinalOutcome(FinalOutcome.ReferredToPartnership, "Named Nurse", "Inter-agency: to the LLR partnership procedure", now))));
        Assert.Equal("Safeguarding office", decided.ReportTo);
    }

    [Fact]
    public void An_inter_agency_dispute_is_refused_because_the_guideline_is_internal()
    {
        var refusal = Refused(() => Disagreement.Open(
            new OpenDisagreement("D-2", Ward, [Police], ["CF-1"], AreaOfDisagreement.Other, HarmLevel.Standard, "concern"),
            Profiles[Profile], WorkingCalendar.EnglandAndWales, Utc("2027-07-05T08:30:00")));
        Assert.Contains("covers Health only, not Police (NWP)", refusal.Reason);
    }
}
