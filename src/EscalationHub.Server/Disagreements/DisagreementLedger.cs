using System.Security.Cryptography;
using System.Text;
using EscalationHub.Domain.Disagreements;

namespace EscalationHub.Server.Disagreements;

/// <summary>What a disagreement puts on each of its children's files: every event, with its structure (stage,
/// deadline and rule, record and approvals, outcome) and the SHA-256 of any free text, which binds the entry to the
/// text the parties hold without putting the text itself on the shared log.</summary>
internal static class DisagreementLedger
{
    public static string TypeOf(DisagreementEvent e) => "disagreement." + DisagreementText.TypeOf(e);

    /// <summary>A role the procedure says must be informed of a stage was sent its notice (DisagreementStore.InformParties).</summary>
    public const string PartyInformed = "disagreement.party-informed";

    public static object Payload(DisagreementEvent e, int sequence) => e switch
    {
        DisagreementOpened o => new
        {
            Sequence = sequence, Type = "opened", o.ProfileId, Raiser = o.Raiser.AgencyCode,
            Responders = o.Responders.Select(r => r.AgencyCode).ToArray(), o.Area, o.Harm, o.InfantNonAccidentalInjury,
            SummarySha256 = Sha256(o.Summary),
        },
        StageEntered s => new
        {
            Sequence = sequence, Type = "stage-entered", s.Stage, s.Step, DueAt = s.Deadline?.Instant, DeadlineRule = s.Deadline?.Rule,
            s.DueImmediately, s.MustInform,
        },
        RecordAdded r => new
        {
            Sequence = sequence, Type = "record-added", RecordId = r.Record.Id, r.Record.Stage, r.Record.HeldAt, r.Record.IsMeeting,
            SummarySha256 = Sha256(r.Record.Summary),
        },
        RecordApproved a => new { Sequence = sequence, Type = "record-approved", a.RecordId, ApprovedBy = a.By },
        Escalated x => new { Sequence = sequence, Type = "escalated", x.FromStage, x.FromStep, x.ToStage, x.ToStep, x.Auto, ReasonSha256 = Sha256(x.Reason) },
        HarmReassessed h => new { Sequence = sequence, Type = "harm-reassessed", h.From, h.To, DueAt = h.Deadline?.Instant, ReasonSha256 = Sha256(h.Reason) },
        Resolved r => new
        {
            Sequence = sequence, Type = "resolved", r.Stage, AgreedActions = r.AgreedActions.Count, r.ReportTo,
            SummarySha256 = Sha256(r.Summary),
        },
        FinalOutcomeDecided f => new { Sequence = sequence, Type = "final-outcome-decided", f.Stage, f.Outcome, f.ReportTo, SummarySha256 = Sha256(f.Summary) },
        FeedbackGiven f => new { Sequence = sequence, Type = "feedback-given", f.To, SummarySha256 = Sha256(f.Summary) },
        LearningCaptured l => new
        {
            Sequence = sequence, Type = "learning-captured", l.ReportTo, Themes = l.Themes?.Select(t => t.Code()).ToList(),
            LearningSha256 = Sha256(l.Learning),
        },
        Closed => new { Sequence = sequence, Type = "closed" },
        _ => new { Sequence = sequence, Type = DisagreementText.TypeOf(e) },
    };

    /// <summary>The agency an event is by; the hub itself for what its scheduler did.</summary>
    public static string AuthorOf(DisagreementEvent e, string? actingAgency) => e switch
    {
        DisagreementOpened o => o.Raiser.AgencyCode,
        Escalated { Auto: true } => "hub",
        _ => actingAgency ?? "hub",
    };

    private static string Sha256(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
