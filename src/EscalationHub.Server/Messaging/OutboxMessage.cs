namespace EscalationHub.Server.Messaging;

/// <summary>A message committed in the same transaction as the change that caused it, waiting to be sent.</summary>
public sealed class OutboxMessage
{
    public long Sequence { get; init; }
    public Guid MessageId { get; init; }
    /// <summary>The queue of the one agency (or the hub) the message is for.</summary>
    public required string Destination { get; init; }
    /// <summary>Full name of a record in EscalationHub.Contracts.Messages.</summary>
    public required string MessageType { get; init; }
    public required string Body { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? SentAt { get; set; }
    public int Attempts { get; set; }
    public string? LastError { get; set; }
    /// <summary>W3C traceparent of the request that committed the message: the send continues its trace.</summary>
    public string? TraceParent { get; init; }
    /// <summary>Set when the row can never be sent (its type or body no longer reads): it is set aside, loudly, so it
    /// cannot hold up every message behind it.</summary>
    public DateTimeOffset? FailedAt { get; set; }
}

/// <summary>A message the hub has applied: committed with its effect, so a redelivery changes nothing.</summary>
public sealed class InboxMessage
{
    public Guid MessageId { get; init; }
    public required string MessageType { get; init; }
    public DateTimeOffset ProcessedAt { get; init; }
}
