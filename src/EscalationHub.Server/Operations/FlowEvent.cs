namespace EscalationHub.Server.Operations;

public enum FlowStatus { Queued = 1, Sent = 2, Acknowledged = 3, Applied = 4, Failed = 5, DeadLettered = 6 }

/// <summary>One message between the hub and an agency, as operators see it: metadata and the pseudonymous case
/// reference only, never the child's identity or free text. Keyed by the bus MessageId, so every stage of the
/// message's life (queued, sent, acknowledged, dead-lettered, redriven) updates the same row.</summary>
public sealed class FlowEvent
{
    public const string Hub = "hub";

    public long Id { get; init; }
    public Guid MessageId { get; init; }
    /// <summary>Short type name, e.g. ConcernRaised.</summary>
    public required string MessageType { get; init; }
    public required string FromAgency { get; set; }
    public required string ToAgency { get; set; }
    /// <summary>The concern's pseudonymous Reference (CN-...), never a name or NHS number.</summary>
    public string? CaseReference { get; set; }
    public DateTimeOffset? SentAt { get; set; }
    /// <summary>Broker confirm (hub to agency) or arrival at the hub (agency to hub).</summary>
    public DateTimeOffset? DeliveredAt { get; set; }
    /// <summary>The adapter's MessageDelivered, or the commit of the message's effect on the hub.</summary>
    public DateTimeOffset? AcknowledgedAt { get; set; }
    public FlowStatus Status { get; set; }
    public string? Error { get; set; }
    public DateTimeOffset RecordedAt { get; init; }
    /// <summary>Every change moves this on; watchers read what changed since their cursor.</summary>
    public DateTimeOffset UpdatedAt { get; set; }

    public static string ShortType(string fullName) => fullName[(fullName.LastIndexOf('.') + 1)..];

    public static string? Truncate(string? text, int max = 500) => text is null || text.Length <= max ? text : text[..max] + "…";
}
