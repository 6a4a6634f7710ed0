using EscalationHub.Contracts.Messages;

namespace EscalationHub.Server.Concerns;

/// <summary>A child's file on the hub: what every concern and disagreement about the child hangs on.</summary>
public sealed class ChildFile
{
    public required string Id { get; init; }
    public string? NhsNumber { get; init; }
    public required string GivenName { get; set; }
    public required string FamilyName { get; set; }
    public DateOnly DateOfBirth { get; set; }
    public DateTimeOffset CreatedAt { get; init; }
}

/// <summary>A safeguarding concern (referral) raised by one agency and addressed to another.</summary>
public sealed class Concern
{
    public Guid Id { get; init; }
    public required string Reference { get; init; }
    public required string ChildFileId { get; init; }
    /// <summary>The child's names as this concern's raiser gave them (null for concerns from before they were kept):
    /// the file may hold other names for the child (<see cref="EscalationHub.Domain.Children.ChildIdentityMatch"/>), and
    /// a raiser is only ever shown what it sent.</summary>
    public string? ChildGivenName { get; init; }
    public string? ChildFamilyName { get; init; }
    public required string RaisedByAgency { get; init; }
    public required string RaisedByRole { get; init; }
    public required string IdempotencyKey { get; init; }
    /// <summary>SHA-256 of the request as first accepted: a key reused for a different request is refused.</summary>
    public required string RequestHash { get; init; }
    public required string AddressedToAgency { get; init; }
    public ConcernCategory Category { get; init; }
    public HarmLevel HarmLevel { get; init; }
    public required string Details { get; init; }
    public DateTimeOffset RaisedAt { get; init; }
    /// <summary>Statutory: the addressed agency acknowledges and decides within one working day of receipt.</summary>
    public DateTimeOffset? DecisionDueAt { get; init; }

    public ConcernStatus Status { get; set; }
    public DateTimeOffset? AcknowledgedAt { get; set; }
    public string? AcknowledgedByRole { get; set; }
    public ConcernDecision? Decision { get; set; }
    public string? DecisionReason { get; set; }
    public DateTimeOffset? DecidedAt { get; set; }
    public string? DecidedByRole { get; set; }
    /// <summary>Number of status changes so far; the next change gets this plus one.</summary>
    public int LastSequence { get; set; }
}

/// <summary>One step in a concern's life, in order; WatchConcern streams these.</summary>
public sealed class ConcernStatusChange
{
    public Guid ConcernId { get; init; }
    public int Sequence { get; init; }
    public ConcernStatus Status { get; init; }
    public DateTimeOffset At { get; init; }
    public required string ByAgency { get; init; }
    public required string ByRole { get; init; }
    public ConcernDecision? Decision { get; init; }
    public string? Reason { get; init; }
}
