namespace EscalationHub.Messaging;

/// <summary>The "Messaging" configuration section, read the same way by the hub and every adapter.</summary>
public sealed class BusSettings
{
    public const string Section = "Messaging";

    /// <summary>AMQP URI of the RabbitMQ broker, e.g. amqp://hub:secret@127.0.0.1:5672/, or amqps://… for TLS (default
    /// port 5671; needs CaCertificate). Empty: in-memory transport. See <see cref="BrokerConnection"/>.</summary>
    public string? RabbitMq { get; set; }

    /// <summary>The other nodes of the broker's cluster, comma-separated host or host:port (default port: the URI's),
    /// tried in turn after the URI's own node. Empty: the URI's node only.</summary>
    public string? ClusterNodes { get; set; }

    /// <summary>The partnership CA's certificate (PEM) that the broker's TLS certificate (amqps) and the management
    /// API's (https) must chain to.</summary>
    public string? CaCertificate { get; set; }

    /// <summary>Declare every durable queue as a quorum queue (production, on a RabbitMQ cluster).</summary>
    public bool QuorumQueues { get; set; }

    /// <summary>Messages each consumer may hold unacknowledged.</summary>
    public int PrefetchCount { get; set; } = 32;

    /// <summary>How often the process looks on the broker for a consumer on each queue it consumes from
    /// (<see cref="ConsumerWatchdog"/>); zero turns the watchdog off.</summary>
    public TimeSpan ConsumerCheck { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a queue of this process may have no consumer, the broker answering, before the bus is
    /// restarted (twice), and then the process exits for its supervisor to start it again.</summary>
    public TimeSpan ConsumerMissingFor { get; set; } = TimeSpan.FromSeconds(30);

    public bool UsesBroker => !string.IsNullOrWhiteSpace(RabbitMq);
}
