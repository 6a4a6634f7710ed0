namespace EscalationHub.Server.Operations;

/// <summary>A message that could not be applied and was moved to its endpoint's error queue. The body is kept
/// so an operator can redrive it, and is never shown: it may carry a child's identity.</summary>
public sealed class DeadLetter
{
    public Guid Id { get; init; }
    public Guid MessageId { get; init; }
    public required string MessageType { get; init; }
    /// <summary>The queue it failed on, e.g. agency.leics-socialcare; redrive sends it back there.</summary>
    public required string Queue { get; init; }
    public required string ErrorQueue { get; init; }
    public required string Reason { get; init; }
    public required string ExceptionType { get; init; }
    public DateTimeOffset FailedAt { get; init; }
    /// <summary>The message as it was sent (MassTransit's JSON envelope): what a redrive sends again.</summary>
    public required string Envelope { get; init; }
    public string? CaseReference { get; init; }
    public DateTimeOffset? RedrivenAt { get; set; }
    public int Redrives { get; set; }
}

/// <summary>An operator sent a dead letter back to its queue: who, when and why, for the record.</summary>
public sealed class Redrive
{
    public long Id { get; init; }
    public Guid DeadLetterId { get; init; }
    public Guid MessageId { get; init; }
    public required string Queue { get; init; }
    public DateTimeOffset At { get; init; }
    /// <summary>Who asked: "grpc" or "dashboard" plus the operator's name when known.</summary>
    public required string By { get; init; }
    public string? Reason { get; init; }
}
