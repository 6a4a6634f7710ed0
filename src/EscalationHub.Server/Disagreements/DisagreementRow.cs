namespace EscalationHub.Server.Disagreements;

/// <summary>A disagreement as stored: its state as JSON, plus the columns the hub searches on. The deadline columns
/// are indexed, so the scheduler finds what is due without scanning open cases.</summary>
public sealed class DisagreementRow
{
    public required string Id { get; init; }
    public required string ProfileId { get; init; }
    public required string RaisedByAgency { get; init; }
    public required string IdempotencyKey { get; init; }
    public required string RequestHash { get; init; }
    public DateTimeOffset OpenedAt { get; init; }
    public required string Status { get; set; }
    public int CurrentStage { get; set; }
    /// <summary>The current stage's deadline while open (overdue lists).</summary>
    public DateTimeOffset? CurrentDeadlineAt { get; set; }
    /// <summary>When the scheduler escalates it unless resolved first; null when the clock never escalates this rung.</summary>
    public DateTimeOffset? AutoEscalateAt { get; set; }
    /// <summary>When the parties are warned that the deadline is near; null once warned or when there is nothing to warn of.</summary>
    public DateTimeOffset? WarnAt { get; set; }
    /// <summary>Events applied so far; a concurrency token so two writers cannot both apply a change.</summary>
    public int Version { get; set; }
    public required string StateJson { get; set; }
}

/// <summary>Who is party to a disagreement: the index behind "an agency sees only what it is party to".</summary>
public sealed class DisagreementParty
{
    public required string DisagreementId { get; init; }
    public required string AgencyCode { get; init; }
}

public sealed class DisagreementChildFile
{
    public required string DisagreementId { get; init; }
    public required string ChildFileId { get; init; }
}

/// <summary>A disagreement's events in order: its history, what WatchDisagreement streams.</summary>
public sealed class DisagreementEventRow
{
    public required string DisagreementId { get; init; }
    public int Sequence { get; init; }
    public required string Type { get; init; }
    public DateTimeOffset At { get; init; }
    public required string Json { get; init; }
}
