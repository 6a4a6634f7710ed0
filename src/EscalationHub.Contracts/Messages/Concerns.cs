namespace EscalationHub.Contracts.Messages;

// Bus messages of the concern (referral) flow. Plain records, no behaviour: this namespace is the stable
// wire contract between the hub and the agency adapters (MassTransit uses the full type name as the URN).

public record ChildDetails(string? NhsNumber, string GivenName, string FamilyName, DateOnly DateOfBirth);

public record ActorRef(string AgencyCode, string Role);

public enum HarmLevel { Standard = 1, SignificantHarm = 2, ImminentHarm = 3 }

public enum ConcernCategory
{
    PhysicalAbuse = 1, EmotionalAbuse = 2, SexualAbuse = 3, Neglect = 4, CriminalExploitation = 5,
    SexualExploitation = 6, DomesticAbuse = 7, NonAccidentalInjury = 8, Other = 9,
}

public enum ConcernStatus { Received = 1, Acknowledged = 2, Decided = 3 }

public enum ConcernDecision
{
    MeetsThreshold = 1, StrategyDiscussion = 2, NoFurtherAction = 3, MoreInformationRequested = 4, EarlyHelp = 5,
}

/// <summary>Hub to the addressed agency: a concern has been raised for you to acknowledge and decide.</summary>
public record ConcernRaised(
    Guid ConcernId,
    string Reference,
    string ChildFileId,
    ChildDetails Child,
    ActorRef RaisedBy,
    string AddressedToAgencyCode,
    ConcernCategory Category,
    HarmLevel HarmLevel,
    string Details,
    DateTimeOffset RaisedAt)
{
    /// <summary>When the addressed agency must have acknowledged and decided (statutory: one working day).</summary>
    public DateTimeOffset? DecisionDueAt { get; init; }
}

/// <summary>Addressed agency to the hub: receipt of the concern is acknowledged.</summary>
public record AcknowledgeConcern(Guid ConcernId, ActorRef AcknowledgedBy, DateTimeOffset AcknowledgedAt);

/// <summary>Addressed agency to the hub: the decision on the next step, with its reason.</summary>
public record DecideConcern(Guid ConcernId, ActorRef DecidedBy, ConcernDecision Decision, string Reason, DateTimeOffset DecidedAt);

/// <summary>Hub to the raising agency: the concern it raised has moved on (feedback to the referrer).</summary>
public record ConcernStatusChanged(
    Guid ConcernId,
    string Reference,
    ConcernStatus Status,
    ActorRef By,
    DateTimeOffset At,
    ConcernDecision? Decision,
    string? Reason);

/// <summary>Raising agency to the hub: raise a concern (the bus twin of the RaiseConcern RPC). Idempotent per
/// (raising agency, idempotency key).</summary>
public record RaiseConcern(
    string IdempotencyKey,
    ChildDetails Child,
    ActorRef RaisedBy,
    string AddressedToAgencyCode,
    ConcernCategory Category,
    HarmLevel HarmLevel,
    string Details);

/// <summary>Hub to the raising agency: the concern is on the hub's record under this id and reference.</summary>
public record ConcernAccepted(string IdempotencyKey, Guid ConcernId, string Reference, string ChildFileId, DateTimeOffset RaisedAt);

public record FieldError(string Field, string Description);

/// <summary>Hub to the raising agency: the RaiseConcern it sent was refused and nothing was stored.</summary>
public record ConcernRefused(string IdempotencyKey, IReadOnlyList<FieldError> Errors);
