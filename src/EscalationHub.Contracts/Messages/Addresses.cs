namespace EscalationHub.Contracts.Messages;

/// <summary>Queue names on the bus: one queue per agency (need to know: the hub sends each message only to the
/// agency it is addressed to) and one inbound queue on the hub for everything the adapters send.</summary>
public static class Addresses
{
    public const string HubInbound = "hub.inbound";

    public static string AgencyQueue(string agencyCode) => $"agency.{agencyCode}";

    /// <summary>The exchange an agency's adapter writes to on a broker: bound to <see cref="HubInbound"/> and to
    /// nothing else, so the broker lets each agency write only here and what arrives through it was sent with that
    /// agency's credentials. See compose/rabbitmq/definitions.json.</summary>
    public static string HubInboundFrom(string agencyCode) => $"{HubInbound}.{agencyCode}";
}
