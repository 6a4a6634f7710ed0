using System.Text.Json.Serialization;
using EscalationHub.Domain.Calendar;
using EscalationHub.Domain.Policies;

namespace EscalationHub.Domain.Disagreements;

/// <summary>
/// What happened to a disagreement: the hub persists these, writes them to the ledger and sends them to the parties.
/// Replaying them in order rebuilds the state; they carry computed deadlines so a later change of calendar
/// configuration does not rewrite history.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(DisagreementOpened), "opened")]
[JsonDerivedType(typeof(StageEntered), "stage-entered")]
[JsonDerivedType(typeof(RecordAdded), "record-added")]
[JsonDerivedType(typeof(RecordApproved), "record-approved")]
[JsonDerivedType(typeof(Escalated), "escalated")]
[JsonDerivedType(typeof(HarmReassessed), "harm-reassessed")]
[JsonDerivedType(typeof(Resolved), "resolved")]
[JsonDerivedType(typeof(FinalOutcomeDecided), "final-outcome-decided")]
[JsonDerivedType(typeof(FeedbackGiven), "feedback-given")]
[JsonDerivedType(typeof(LearningCaptured), "learning-captured")]
[JsonDerivedType(typeof(Closed), "closed")]
public abstract record DisagreementEvent(string DisagreementId, DateTimeOffset At);

public sealed record DisagreementOpened(
    string DisagreementId,
    DateTimeOffset At,
    string ProfileId,
    Party Raiser,
    IReadOnlyList<Party> Responders,
    IReadOnlyList<string> ChildFileIds,
    AreaOfDisagreement Area,
    HarmLevel Harm,
    bool InfantNonAccidentalInjury,
    string Summary) : DisagreementEvent(DisagreementId, At);

/// <summary>
/// The disagreement is now at this rung. <see cref="DueImmediately"/> means every party and the designated leads
/// are alerted at once (and for imminent harm, protective action is not waiting on this procedure).
/// <see cref="ReferralOnly"/>: the deadline is the time to refer the case upwards (London stages 3 and 4), of which the
/// parties are warned when it passes; the hub does not escalate it by itself.
/// </summary>
public sealed record StageEntered(
    string DisagreementId,
    DateTimeOffset At,
    int Stage,
    int Step,
    string StageName,
    string WhoMeets,
    Deadline? Deadline,
    bool DueImmediately,
    IReadOnlyList<ExpectedRole> ExpectedRoles,
    IReadOnlyList<string> MustInform,
    IReadOnlyList<CloseRequirement> CloseRequires,
    bool ReferralOnly = false) : DisagreementEvent(DisagreementId, At);

public sealed record RecordAdded(string DisagreementId, DateTimeOffset At, Record Record) : DisagreementEvent(DisagreementId, At);

public sealed record RecordApproved(string DisagreementId, DateTimeOffset At, string RecordId, string By) : DisagreementEvent(DisagreementId, At);

/// <summary>Moved up a rung: by a party with a reason, or automatically when a deadline passed unresolved (<see cref="Auto"/>).</summary>
public sealed record Escalated(
    string DisagreementId,
    DateTimeOffset At,
    int FromStage,
    int FromStep,
    int ToStage,
    int ToStep,
    string? By,
    string Reason,
    bool Auto) : DisagreementEvent(DisagreementId, At);

/// <summary>
/// The harm level was raised; the current stage's deadline becomes the earlier of what it was and the new protective
/// timescale from now.
/// </summary>
public sealed record HarmReassessed(
    string DisagreementId,
    DateTimeOffset At,
    string By,
    HarmLevel From,
    HarmLevel To,
    string Reason,
    Deadline? Deadline,
    bool DueImmediately) : DisagreementEvent(DisagreementId, At);

public sealed record Resolved(
    string DisagreementId,
    DateTimeOffset At,
    int Stage,
    string By,
    string Summary,
    IReadOnlyList<AgreedAction> AgreedActions,
    string ReportTo) : DisagreementEvent(DisagreementId, At);

public sealed record FinalOutcomeDecided(
    string DisagreementId,
    DateTimeOffset At,
    int Stage,
    FinalOutcome Outcome,
    string DecidedBy,
    string Summary,
    string ReportTo) : DisagreementEvent(DisagreementId, At);

public sealed record FeedbackGiven(string DisagreementId, DateTimeOffset At, string By, string To, string Summary) : DisagreementEvent(DisagreementId, At);

/// <param name="Themes">The coded themes (<see cref="LearningThemes"/>); null for learning captured before themes existed.</param>
public sealed record LearningCaptured(string DisagreementId, DateTimeOffset At, string By, string Learning, string ReportTo,
    IReadOnlyList<LearningTheme>? Themes = null) : DisagreementEvent(DisagreementId, At);

public sealed record Closed(string DisagreementId, DateTimeOffset At, string By) : DisagreementEvent(DisagreementId, At);
