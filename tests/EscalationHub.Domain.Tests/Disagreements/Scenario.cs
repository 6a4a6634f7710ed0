using System.Globalization;
using EscalationHub.Domain.Calendar;
using EscalationHub.Domain.Disagreements;
using EscalationHub.Domain.Policies;
using Microsoft.Extensions.Time.Testing;

namespace EscalationHub.Domain.Tests.Disagreements;

/// <summary>A disagreement driven by a fake clock, keeping every event it produced.</summary>
internal sealed class Scenario
{
    public static readonly PolicyProfiles Profiles = PolicyProfiles.LoadEmbedded();

    public static readonly Party Hospital = new("RX1", AgencyType.Health);
    public static readonly Party Police = new("NWP", AgencyType.Police);
    public static readonly Party SocialCare = new("LA-CSC", AgencyType.SocialCare);
    public static readonly Party School = new("SCH-101", AgencyType.Education);

    public FakeTimeProvider Clock { get; }
    public Disagreement Disagreement { get; }
    public List<DisagreementEvent> Events { get; } = [];

    public Scenario(
        string profileId,
        string openedAtUtc,
        HarmLevel harm = HarmLevel.Standard,
        AreaOfDisagreement area = AreaOfDisagreement.ReferralBelowThreshold,
        Party? raiser = null,
        Party[]? responders = null,
        bool infantNai = false)
    {
        Clock = new FakeTimeProvider(Utc(openedAtUtc));
        var opening = Disagreement.Open(
            new OpenDisagreement("D-1", raiser ?? School, responders ?? [SocialCare], ["CF-1"], area, harm,
                "Referral about a bruised child judged below threshold", infantNai),
            Profiles[profileId], WorkingCalendar.EnglandAndWales, Clock.GetUtcNow());
        Disagreement = opening.Disagreement;
        Events.AddRange(opening.Events);
    }

    public static DateTimeOffset Utc(string iso) =>
        DateTimeOffset.Parse(iso + "Z", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal);

    public DateTimeOffset Now => Clock.GetUtcNow();

    public Scenario At(string isoUtc)
    {
        Clock.SetUtcNow(Utc(isoUtc));
        return this;
    }

    public IReadOnlyList<DisagreementEvent> Do(Func<Disagreement, DateTimeOffset, IReadOnlyList<DisagreementEvent>> transition)
    {
        var events = transition(Disagreement, Now);
        Events.AddRange(events);
        return events;
    }

    public StageEntered LastStageEntered => Events.OfType<StageEntered>().Last();

    public string Meeting(string by, bool isMeeting = true) =>
        ((RecordAdded)Do((d, now) => d.RecordDiscussion(by, now, "Met and discussed the threshold decision", ["A. Nurse", "B. Social Worker"], isMeeting, now))[0]).Record.Id;

    public void SignedByAll(string recordId)
    {
        foreach (var party in Disagreement.State.Parties)
            Do((d, now) => d.ApproveRecord(party.AgencyCode, recordId, now));
    }

    public IReadOnlyList<DisagreementEvent> Escalate(string by = "SCH-101") => Do((d, now) => d.Escalate(by, "not settled", now));

    public static TransitionRefusedException Refused(Action transition) => Assert.Throws<TransitionRefusedException>(transition);
}
