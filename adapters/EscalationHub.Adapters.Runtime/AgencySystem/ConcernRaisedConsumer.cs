using EscalationHub.Adapters.Runtime.Ledger;
using EscalationHub.Contracts.Messages;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EscalationHub.Adapters.Runtime.AgencySystem;

/// <summary>A concern addressed to this agency: owed to the agency system as a "concern.raised" webhook call. The
/// delivery is added to the adapter's outbox before the message is recorded (and acknowledged to the broker), and
/// its id comes from the message id, so a redelivery adds nothing.</summary>
public sealed class ConcernRaisedConsumer(AgencyAdapters adapters, LedgerReplicator replicator, IServiceProvider services, TimeProvider clock,
    ILogger<ConcernRaisedConsumer> logger)
    : IConsumer<ConcernRaised>
{
    public async Task Consume(ConsumeContext<ConcernRaised> context)
    {
        var adapter = adapters.For(context);
        var messageId = context.MessageId!.Value;
        var concern = context.Message;
        var cancellationToken = context.CancellationToken;
        var now = clock.GetUtcNow();
        var deliveryId = DeterministicId.For(messageId, WebhookKinds.ConcernRaised);
        var body = WebhookJson.Serialize(WebhookJson.ForConcern(concern, deliveryId, adapter.AgencyCode, now));
        // One transaction in the adapter's file: the child file to copy, the case, the delivery owed and the inbox row.
        var queued = await AdapterDatabase.InOneTransactionAsync(adapter.Inbox.ConnectionString, async connection =>
        {
            // The addressed agency is now party to the child file: keep a verified copy (a redelivery changes nothing).
            await replicator.TrackAsync(connection, adapter.AgencyCode, concern.ChildFileId, cancellationToken);
            await adapter.Cases.RememberConcernAsync(connection, concern.ConcernId, concern.ChildFileId, concern.RaisedBy.AgencyCode, cancellationToken);
            if (await adapter.Inbox.HasProcessedAsync(connection, messageId, cancellationToken)) return false;
            services.GetKeyedService<IAgencySystemAvailability>(adapter.AgencyCode)?.EnsureAvailable();
            await adapter.Outbox.AddAsync(connection, deliveryId, WebhookKinds.ConcernRaised, concern.ConcernId, "POST", "", body, now, cancellationToken);
            await adapter.Inbox.RecordAsync(connection, messageId, nameof(ConcernRaised), now, cancellationToken);
            return true;
        });
        replicator.Sync(adapter.AgencyCode, concern.ChildFileId);
        if (!queued)
        {
            logger.LogInformation("{Agency}: concern {Reference} was already handled; ignoring the redelivery", adapter.AgencyCode, concern.Reference);
            return;
        }
        adapter.Outbox.NotifyAdded();
        logger.LogInformation("{Agency}: concern {Reference} ({Harm}) queued for the agency system", adapter.AgencyCode, concern.Reference, concern.HarmLevel);
    }
}

/// <summary>Feedback on concerns the agency raised, passed on as webhook calls ("concern.accepted", "concern.refused",
/// "concern.status-changed").</summary>
public sealed class WebhookConcernFeedback(TimeProvider clock) : IConcernFeedback
{
    public async Task ForwardAsync(AgencyAdapter adapter, Guid cause, object feedback, CancellationToken cancellationToken)
    {
        var deliveryId = DeterministicId.For(cause, "feedback");
        var envelope = WebhookJson.ForFeedback(feedback, deliveryId, adapter.AgencyCode, clock.GetUtcNow());
        await adapter.Outbox.AddAsync(deliveryId, envelope.Kind, envelope.Feedback?.ConcernId, "POST", "",
            WebhookJson.Serialize(envelope), clock.GetUtcNow(), cancellationToken);
    }
}

/// <summary>Disagreement notices passed on as webhook calls ("disagreement.opened", "disagreement.escalated", ...,
/// "disagreement.deadline-approaching", "disagreement.command-refused"), in the same outbox as the concern calls: retried
/// with backoff while the system is down, never dropped, in order.</summary>
public sealed class WebhookDisagreementFeedback(TimeProvider clock) : IDisagreementFeedback
{
    public async Task ForwardAsync(AgencyAdapter adapter, Guid cause, object notice, string? commandId, CancellationToken cancellationToken)
    {
        var deliveryId = DeterministicId.For(cause, "disagreement");
        var envelope = WebhookJson.ForDisagreement(notice, deliveryId, adapter.AgencyCode, clock.GetUtcNow(), commandId);
        await adapter.Outbox.AddAsync(deliveryId, envelope.Kind, null, "POST", "", WebhookJson.Serialize(envelope), clock.GetUtcNow(), cancellationToken);
    }
}

/// <summary>Child file notices passed on as webhook calls ("child-file.party-joined"), in the same outbox as the concern
/// and disagreement calls.</summary>
public sealed class WebhookChildFileFeedback(TimeProvider clock) : IChildFileFeedback
{
    public async Task ForwardAsync(AgencyAdapter adapter, Guid cause, ChildFilePartyJoined notice, CancellationToken cancellationToken)
    {
        var deliveryId = DeterministicId.For(cause, "child-file");
        var envelope = WebhookJson.ForChildFile(notice, deliveryId, adapter.AgencyCode, clock.GetUtcNow());
        await adapter.Outbox.AddAsync(deliveryId, envelope.Kind, null, "POST", "", WebhookJson.Serialize(envelope), clock.GetUtcNow(), cancellationToken);
    }
}
