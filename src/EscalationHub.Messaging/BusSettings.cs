namespace EscalationHub.Messaging;

/// <summary>The "Messaging" configuration section, read the same way by the hub and every adapter.</summary>
public sealed class BusSettings
{
    public const string Section = "Messaging";

    /// <summary>AMQP URI of the RabbitMQ broker, e.g. amqp://hub:secret@127.0.0.1:5672/. Empty: in-memory transport.</summary>
    public string? RabbitMq { get; set; }

    /// <summary>Declare every durable queue as a quorum queue (production, on a RabbitMQ cluster).</summary>
    public bool QuorumQueues { get; set; }

    /// <summary>Messages each consumer may hold unacknowledged.</summary>
    public int PrefetchCount { get; set; } = 32;

    public bool UsesBroker => !string.IsNullOrWhiteSpace(RabbitMq);
}
