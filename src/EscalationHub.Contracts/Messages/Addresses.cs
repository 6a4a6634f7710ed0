namespace EscalationHub.Contracts.Messages;

/// <summary>Queue names on the bus: one queue per agency (need to know: the hub sends each message only to the
/// agency it is addressed to) and one inbound queue on the hub for everything the adapters send.</summary>
public static class Addresses
{
    public const string HubInbound = "hub.inbound";

    public static string AgencyQueue(string agencyCode) => $"agency.{agencyCode}";
}
