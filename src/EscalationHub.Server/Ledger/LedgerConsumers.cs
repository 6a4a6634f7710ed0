using System.Diagnostics.Metrics;
using EscalationHub.Contracts.Messages;
using EscalationHub.Server.Messaging;
using MassTransit;

namespace EscalationHub.Server.Ledger;

// Thin shells: the bus side of the ledger, each applying its handler exactly once.

public sealed class ApproveRecordConsumer(HubInbox inbox, ApproveRecordHandler handler) : IConsumer<ApproveRecord>
{
    public Task Consume(ConsumeContext<ApproveRecord> context) =>
        inbox.ApplyOnceAsync(context, () => handler.HandleAsync(context.Message, context.CancellationToken));
}

public sealed class RegisterAgencyKeyConsumer(HubInbox inbox, RegisterAgencyKeyHandler handler) : IConsumer<RegisterAgencyKey>
{
    public Task Consume(ConsumeContext<RegisterAgencyKey> context) =>
        inbox.ApplyOnceAsync(context, () => handler.HandleAsync(context.Message, context.CancellationToken));
}

/// <summary>An agency's replica disagrees with the hub's log: the loudest alarm the hub has (critical log and a
/// counter operators alert on). It carries no entry contents, only where and what.</summary>
public sealed class LedgerMismatchDetectedConsumer(ILogger<LedgerMismatchDetectedConsumer> logger) : IConsumer<LedgerMismatchDetected>
{
    private static readonly Meter Meter = new("EscalationHub.Ledger");
    private static readonly Counter<long> Mismatches = Meter.CreateCounter<long>("escalationhub.ledger.mismatches_reported", "{events}",
        "ledger mismatches reported by agency replicas");

    public Task Consume(ConsumeContext<LedgerMismatchDetected> context)
    {
        var m = context.Message;
        Mismatches.Add(1, new KeyValuePair<string, object?>("agency", m.AgencyCode), new KeyValuePair<string, object?>("kind", m.Kind));
        logger.LogCritical("LEDGER MISMATCH reported by {Agency}: {Kind} on child file {ChildFile} (trusted size {Trusted}, offered {Offered}): {Detail}",
            m.AgencyCode, m.Kind, m.ChildFileId, m.TrustedTreeSize, m.OfferedTreeSize, m.Detail);
        return Task.CompletedTask;
    }
}
