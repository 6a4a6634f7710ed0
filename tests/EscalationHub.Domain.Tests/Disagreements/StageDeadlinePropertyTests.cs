using CsCheck;
using EscalationHub.Domain.Calendar;
using EscalationHub.Domain.Disagreements;
using EscalationHub.Domain.Policies;

namespace EscalationHub.Domain.Tests.Disagreements;

public class StageDeadlinePropertyTests
{
    private static readonly PolicyProfile[] Profiles = [.. Scenario.Profiles.All.Where(p => p.AgencyTypes.Contains(AgencyType.Education))];
    private static readonly WorkingCalendar Calendar = WorkingCalendar.EnglandAndWales;
    private static readonly DateTimeOffset From = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly Gen<DateTimeOffset> Instant = Gen.Long[0, 4L * 366 * 24 * 60].Select(m => From.AddMinutes(m));

    private static StageEntered Open(PolicyProfile profile, DateTimeOffset at, HarmLevel harm) =>
        Disagreement.Open(new("D", Scenario.School, [Scenario.SocialCare], ["CF"], AreaOfDisagreement.Other, harm, "concern"),
            profile, Calendar, at).Events.OfType<StageEntered>().Single();

    [Fact]
    public void A_stage_deadline_is_never_later_than_the_procedures_own_timescale() =>
        Gen.Select(Gen.Int[0, Profiles.Length - 1], Instant, Gen.Enum<HarmLevel>()).Sample((i, at, harm) =>
        {
            var profile = Profiles[i];
            var own = Calendar.DueBy(at, profile.Stages[0].Steps[0].Timescale);
            var due = Open(profile, at, harm).Deadline?.Instant;
            return own is null || due <= own;
        });

    [Fact]
    public void Significant_harm_is_never_due_later_than_the_same_working_day_and_imminent_harm_is_due_at_once() =>
        Gen.Select(Gen.Int[0, Profiles.Length - 1], Instant).Sample((i, at) =>
            Open(Profiles[i], at, HarmLevel.SignificantHarm).Deadline!.Instant <= Calendar.DueBy(at, Timescale.SameWorkingDay)
            && Open(Profiles[i], at, HarmLevel.ImminentHarm).Deadline!.Instant == at);
}
