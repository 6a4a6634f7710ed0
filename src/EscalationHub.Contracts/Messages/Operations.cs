namespace EscalationHub.Contracts.Messages;

// Operational messages from every adapter to the hub: no case data, only what operators need to see that
// messages arrive and adapters are alive.

/// <summary>Adapter to the hub: this agency's adapter applied message <paramref name="MessageId"/> at
/// <paramref name="AppliedAt"/> (the acknowledgement that closes the message's flow event).</summary>
public record MessageDelivered(Guid MessageId, string AgencyCode, string MessageType, DateTimeOffset AppliedAt);

/// <summary>Adapter to the hub, every <paramref name="Interval"/>: the adapter for this agency is alive.</summary>
public record AdapterHeartbeat(string AgencyCode, string Version, DateTimeOffset At, TimeSpan Interval);
