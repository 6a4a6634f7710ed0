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

/// <summary>Addressed agency to the hub: receipt of the concern is acknowledged (the agency system acknowledged before
/// deciding). It is also the hub's evidence that the concern reached the agency: no separate delivery receipt.</summary>
public record AcknowledgeConcern(Guid ConcernId, ActorRef AcknowledgedBy, DateTimeOffset AcknowledgedAt);

/// <summary>Addressed agency to the hub: the decision on the next step, with its reason. When the agency system gave
/// its acknowledgement and decision at once, this one reply carries both (<see cref="AcknowledgedBy"/>,
/// <see cref="AcknowledgedAt"/>): one message, not two. A decision without them acknowledges as the decider.</summary>
public record DecideConcern(Guid ConcernId, ActorRef DecidedBy, ConcernDecision Decision, string Reason, DateTimeOffset DecidedAt)
{
    public ActorRef? AcknowledgedBy { get; init; }

    public DateTimeOffset? AcknowledgedAt { get; init; }
}

/// <summary>Hub to the raising agency: the concern it raised has moved on (feedback to the referrer). One notice per
/// reply from the addressed agency: a reply that acknowledged and decided at once is told as DECIDED, with the
/// acknowledgement's time in <see cref="AcknowledgedAt"/>.</summary>
public record ConcernStatusChanged(
    Guid ConcernId,
    string Reference,
    ConcernStatus Status,
    ActorRef By,
    DateTimeOffset At,
    ConcernDecision? Decision,
    string? Reason)
{
    /// <summary>When the concern was acknowledged, if it has been (set on every notice after the acknowledgement).</summary>
    public DateTimeOffset? AcknowledgedAt { get; init; }

    /// <summary>The child file the concern is on: the raiser's adapter keeps a verified copy of it (a concern raised
    /// over gRPC had no ConcernAccepted to say so).</summary>
    public string? ChildFileId { get; init; }
}

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

/// <summary>Hub to the raising agency: the concern it raised over the bus is on the hub's record under this id and
/// reference (a concern raised over gRPC has its answer in the call's response: no message).</summary>
public record ConcernAccepted(string IdempotencyKey, Guid ConcernId, string Reference, string ChildFileId, DateTimeOffset RaisedAt);

public record FieldError(string Field, string Description);

/// <summary>Hub to the raising agency: the RaiseConcern it sent was refused and nothing was stored.</summary>
public record ConcernRefused(string IdempotencyKey, IReadOnlyList<FieldError> Errors);
