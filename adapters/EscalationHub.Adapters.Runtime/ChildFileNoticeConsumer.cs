using EscalationHub.Adapters.Runtime.Ledger;
using EscalationHub.Contracts.Messages;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EscalationHub.Adapters.Runtime;

/// <summary>Passes a notice about a child file the agency holds on to its own system (a webhook call, a FHIR
/// Communication). Registered per agency code as a keyed service; an agency without one only logs.</summary>
public interface IChildFileFeedback
{
    /// <summary>Must be idempotent for the same <paramref name="cause"/>: a redelivered message calls it again.</summary>
    Task ForwardAsync(AgencyAdapter adapter, Guid cause, ChildFilePartyJoined notice, CancellationToken cancellationToken);
}

/// <summary>Another agency joined a child file this agency holds: recorded in the adapter's case directory, passed on
/// to the agency's system once, then recorded in the inbox. The file's verified copy is fetched again, so the join's
/// ledger entry is checked too.</summary>
public sealed class ChildFileNoticeConsumer(AgencyAdapters adapters, IServiceProvider services, LedgerReplicator replicator, TimeProvider clock,
    ILogger<ChildFileNoticeConsumer> logger)
    : IConsumer<ChildFilePartyJoined>
{
    public async Task Consume(ConsumeContext<ChildFilePartyJoined> context)
    {
        var n = context.Message;
        var adapter = adapters.For(context);
        await adapter.Cases.RememberPartyJoinedAsync(n.ChildFileId, n.AgencyCode, n.Through, n.CaseId, n.JoinedAt, context.CancellationToken);
        await replicator.TrackAsync(adapter.AgencyCode, n.ChildFileId, context.CancellationToken);
        var messageId = context.MessageId!.Value;
        if (await adapter.Inbox.HasProcessedAsync(messageId, context.CancellationToken)) return;
        if (services.GetKeyedService<IChildFileFeedback>(adapter.AgencyCode) is { } feedback)
            await feedback.ForwardAsync(adapter, messageId, n, context.CancellationToken);
        if (await adapter.Inbox.RecordAsync(messageId, nameof(ChildFilePartyJoined), clock.GetUtcNow(), context.CancellationToken))
            logger.LogWarning("{Agency}: agency {Joined} joined child file {ChildFile} through {Through} {CaseId} (by {By})",
                adapter.AgencyCode, n.AgencyCode, n.ChildFileId, n.Through, n.CaseId, n.By.AgencyCode);
    }
}
