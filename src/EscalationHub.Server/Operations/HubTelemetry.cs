using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace EscalationHub.Server.Operations;

/// <summary>The hub's own spans and counters (beside ASP.NET Core's and MassTransit's). The outbox dispatcher
/// continues the trace of the request that committed a message, so one trace follows a concern from the raising
/// call through the hub to the addressed agency's adapter and back.</summary>
public static class HubTelemetry
{
    public const string Name = "EscalationHub";
    public static readonly ActivitySource Source = new(Name);
    private static readonly Meter Meter = new(Name);

    public static readonly Counter<long> MessagesSent = Meter.CreateCounter<long>("escalationhub.messages.sent", "{message}", "Messages the outbox sent, confirmed by the transport");
    public static readonly Counter<long> MessagesApplied = Meter.CreateCounter<long>("escalationhub.messages.applied", "{message}", "Messages to the hub applied exactly once");
    public static readonly Counter<long> MessagesDeadLettered = Meter.CreateCounter<long>("escalationhub.messages.dead_lettered", "{message}", "Messages moved to an error queue");
    public static readonly Counter<long> MessagesRedriven = Meter.CreateCounter<long>("escalationhub.messages.redriven", "{message}", "Dead letters sent back by an operator");
    public static readonly Counter<long> ReadsRefused = Meter.CreateCounter<long>("escalationhub.reads.refused", "{read}", "Reads of a child file or case refused to an agency not party to it");
    public static readonly UpDownCounter<long> StreamsOpen = Meter.CreateUpDownCounter<long>("escalationhub.streams.open", "{stream}", "Server streams (watches) open, by caller role");
    public static readonly Counter<long> StreamsRefused = Meter.CreateCounter<long>("escalationhub.streams.refused", "{stream}", "Streams refused because their caller had as many open as its cap allows");
    public static readonly Counter<long> WatchStoreReads = Meter.CreateCounter<long>("escalationhub.watch.store_reads", "{read}", "Store reads by WatchConcern and WatchDisagreement streams (on a change notification, or the fallback poll)");
    public static readonly Counter<long> CommandsRefused = Meter.CreateCounter<long>("escalationhub.commands.refused", "{message}", "Bus commands refused because the agency they act for is not the agency that sent them");

    /// <summary>Starts the span for sending one outbox message, as a child of the trace that committed it.</summary>
    public static Activity? StartOutboxSend(string? traceParent, string messageType, string destination)
    {
        var activity = traceParent is not null && ActivityContext.TryParse(traceParent, null, out var parent)
            ? Source.StartActivity("outbox send", ActivityKind.Producer, parent)
            : Source.StartActivity("outbox send", ActivityKind.Producer);
        activity?.SetTag("messaging.message.type", messageType);
        activity?.SetTag("messaging.destination.name", destination);
        return activity;
    }
}
