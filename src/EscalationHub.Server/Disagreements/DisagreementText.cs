using EscalationHub.Domain.Calendar;
using EscalationHub.Domain.Disagreements;

namespace EscalationHub.Server.Disagreements;

/// <summary>Events in words a practitioner reads in a notice or a stream. Free text (summaries, reasons) stays
/// with the parties; these sentences carry only structure.</summary>
public static class DisagreementText
{
    public static string TypeOf(DisagreementEvent e) => e switch
    {
        DisagreementOpened => "opened",
        StageEntered => "stage-entered",
        RecordAdded => "record-added",
        RecordApproved => "record-approved",
        Escalated => "escalated",
        HarmReassessed => "harm-reassessed",
        Resolved => "resolved",
        FinalOutcomeDecided => "final-outcome-decided",
        FeedbackGiven => "feedback-given",
        LearningCaptured => "learning-captured",
        Closed => "closed",
        _ => e.GetType().Name,
    };

    public static string Describe(DisagreementEvent e) => e switch
    {
        DisagreementOpened o => $"Opened by {o.Raiser.AgencyCode} with {string.Join(", ", o.Responders.Select(r => r.AgencyCode))} about {o.Area} ({o.Harm})",
        StageEntered s => $"Stage {s.Stage}{(s.Step > 1 ? $" step {s.Step}" : "")}: {s.StageName} ({s.WhoMeets}); {(s is { ReferralOnly: true, DueImmediately: false, Deadline: { } referBy } ? $"refer upwards by {referBy.Instant:yyyy-MM-dd HH:mm}Z if not resolved ({referBy.Rule})" : Due(s.Deadline, s.DueImmediately))}"
                          + (s.MustInform.Count > 0 ? $"; inform {string.Join(", ", s.MustInform)}" : ""),
        RecordAdded r => $"Record {r.Record.Id} of a {(r.Record.IsMeeting ? "meeting" : "discussion")} held {r.Record.HeldAt:yyyy-MM-dd HH:mm}Z added by {r.Record.RecordedBy}",
        RecordApproved a => $"Record {a.RecordId} approved by {a.By}",
        Escalated { Auto: true } x => $"Escalated automatically from stage {x.FromStage} to stage {x.ToStage}: {x.Reason}",
        Escalated x => $"Escalated by {x.By} from stage {x.FromStage} to stage {x.ToStage}",
        HarmReassessed h => $"Harm level raised by {h.By} from {h.From} to {h.To}; {Due(h.Deadline, h.DueImmediately)}",
        Resolved r => $"Resolved at stage {r.Stage} by {r.By} with {r.AgreedActions.Count} agreed action(s); outcome reported to {r.ReportTo}",
        FinalOutcomeDecided f => $"Final outcome at stage {f.Stage}: {f.Outcome}, decided by {f.DecidedBy}; reported to {f.ReportTo}",
        FeedbackGiven f => $"Feedback given by {f.By} to {f.To}",
        LearningCaptured l => $"Learning captured by {l.By} for {l.ReportTo}",
        Closed c => $"Closed by {c.By}",
        _ => TypeOf(e),
    };

    private static string Due(Deadline? deadline, bool immediately) =>
        deadline is null ? "no deadline"
        : immediately ? $"due immediately ({deadline.Rule}): every party and the designated leads alerted"
        : $"due {deadline.Instant:yyyy-MM-dd HH:mm}Z ({deadline.Rule})";
}
