using System.Text.Json.Serialization;
using EscalationHub.Domain.Calendar;
using EscalationHub.Domain.Policies;

namespace EscalationHub.Domain.Disagreements;

/// <summary>An agency involved in a disagreement, known by its agency code.</summary>
public sealed record Party(string AgencyCode, AgencyType AgencyType);

/// <summary>The role a party is expected to send to a stage, from the profile's ladder for its agency type.</summary>
public sealed record ExpectedRole(string AgencyCode, AgencyType AgencyType, string Role);

/// <summary>Who does what by when, agreed when a disagreement is resolved.</summary>
public sealed record AgreedAction(string Who, string What, DateTimeOffset ByWhen);

public sealed record Approval(string By, DateTimeOffset At);

/// <summary>A written account of a discussion or meeting, placed on each party's copy of the child's file.</summary>
public sealed record Record(
    string Id,
    int Stage,
    int Step,
    string RecordedBy,
    DateTimeOffset HeldAt,
    DateTimeOffset RecordedAt,
    string Summary,
    IReadOnlyList<string> Attendees,
    bool IsMeeting);

[JsonConverter(typeof(JsonStringEnumConverter<DisagreementStatus>))]
public enum DisagreementStatus
{
    /// <summary>Climbing the ladder.</summary>
    Open,
    /// <summary>Agreed actions or a final-stage outcome; feedback and learning follow.</summary>
    Resolved,
    Closed,
}

/// <summary>One visit to a rung of the ladder.</summary>
public sealed class StageVisit
{
    public int Stage { get; set; }
    public int Step { get; set; }
    public string Name { get; set; } = "";
    public string WhoMeets { get; set; } = "";
    public DateTimeOffset EnteredAt { get; set; }
    public Deadline? Deadline { get; set; }
    public bool DueImmediately { get; set; }
    /// <summary>The deadline is the time to refer upwards, not to resolve: passing it warns, it does not escalate.</summary>
    public bool ReferralOnly { get; set; }
    public List<ExpectedRole> ExpectedRoles { get; set; } = [];
    public List<string> MustInform { get; set; } = [];
    public List<CloseRequirement> CloseRequires { get; set; } = [];
    public DateTimeOffset? LeftAt { get; set; }
    public string? EscalationReason { get; set; }
    public bool? EscalatedAutomatically { get; set; }
}

public sealed class RecordState
{
    public Record Record { get; set; } = null!;
    public List<Approval> Approvals { get; set; } = [];
}

/// <summary>
/// A plain snapshot of a disagreement, with public properties that System.Text.Json (and an EF Core owned/JSON column)
/// round-trips. It changes only by applying events.
/// </summary>
public sealed class DisagreementState
{
    public string Id { get; set; } = "";
    public string ProfileId { get; set; } = "";
    public Party Raiser { get; set; } = null!;
    public List<Party> Responders { get; set; } = [];
    public List<string> ChildFileIds { get; set; } = [];
    public AreaOfDisagreement Area { get; set; }
    public HarmLevel Harm { get; set; }
    public bool InfantNonAccidentalInjury { get; set; }
    public string Summary { get; set; } = "";
    public DateTimeOffset OpenedAt { get; set; }
    public DisagreementStatus Status { get; set; }
    public List<StageVisit> Stages { get; set; } = [];
    public List<RecordState> Records { get; set; } = [];
    public Resolved? Resolution { get; set; }
    public FinalOutcomeDecided? FinalOutcome { get; set; }
    public List<FeedbackGiven> Feedback { get; set; } = [];
    public List<LearningCaptured> Learning { get; set; } = [];
    public DateTimeOffset? ClosedAt { get; set; }
    /// <summary>How many events built this state: an optimistic concurrency token for the store.</summary>
    public int Version { get; set; }

    [JsonIgnore]
    public StageVisit Current => Stages[^1];

    [JsonIgnore]
    public IEnumerable<Party> Parties => Responders.Prepend(Raiser);
}
