using EscalationHub.Adapters.Runtime.Ledger;
using EscalationHub.Contracts.Messages;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EscalationHub.Adapters.Runtime;

/// <summary>Passes what the hub says about a disagreement on to the agency's own system (a webhook call, a FHIR Task
/// update). Registered per agency code as a keyed service; an agency without one only logs.</summary>
public interface IDisagreementFeedback
{
    /// <summary>Must be idempotent for the same <paramref name="cause"/>: a redelivered message calls it again.</summary>
    /// <param name="notice">A <see cref="DisagreementNotice"/>, <see cref="DeadlineApproaching"/> or <see cref="DisagreementCommandRefused"/>.</param>
    /// <param name="commandId">The agency's own id of the command the notice answers (its opening, or a refused command), if any.</param>
    Task ForwardAsync(AgencyAdapter adapter, Guid cause, object notice, string? commandId, CancellationToken cancellationToken);
}

/// <summary>What the hub tells a party about a disagreement: each event, a deadline that is near, a command of ours it
/// refused. The adapter learns from it what its agency is party to (so the agency may act on it), passes it on to the
/// agency's system once, then records it in the inbox. The hub sends notices only to parties.</summary>
public sealed class DisagreementNoticeConsumer(AgencyAdapters adapters, IServiceProvider services, LedgerReplicator replicator, TimeProvider clock,
    ILogger<DisagreementNoticeConsumer> logger)
    : IConsumer<DisagreementNotice>, IConsumer<DeadlineApproaching>, IConsumer<DisagreementCommandRefused>
{
    public async Task Consume(ConsumeContext<DisagreementNotice> context)
    {
        var n = context.Message;
        var adapter = adapters.For(context);
        // An agency only informed of a stage (not a party) is told, nothing more: it may not act on the disagreement, nor
        // read its children's files.
        if (!n.InformedOnly)
        {
            await adapter.Cases.RememberDisagreementAsync(n.DisagreementId, n.RaisedByAgencyCode, n.ChildFileIds, n.IdempotencyKey, n.Sequence,
                context.CancellationToken);
            // A party to the disagreement is party to its children's files: keep a verified copy (a redelivery changes nothing).
            foreach (var childFileId in n.ChildFileIds)
                await replicator.TrackAsync(adapter.AgencyCode, childFileId, context.CancellationToken);
        }
        if (await ForwardOnceAsync(context, n.IdempotencyKey) is { } agency)
            logger.Log(n.Urgent || n.Automatic ? LogLevel.Warning : LogLevel.Information,
                "{Agency}: disagreement {DisagreementId} #{Sequence} {EventType}: {Description} (expected role: {Role})",
                agency, n.DisagreementId, n.Sequence, n.EventType, n.Description, n.ExpectedRole);
    }

    public async Task Consume(ConsumeContext<DeadlineApproaching> context)
    {
        var n = context.Message;
        if (await ForwardOnceAsync(context, null) is { } agency)
            logger.LogWarning("{Agency}: disagreement {DisagreementId} stage {Stage} is due {DeadlineAt:u} ({Rule})", agency, n.DisagreementId, n.Stage, n.DeadlineAt, n.DeadlineRule);
    }

    public async Task Consume(ConsumeContext<DisagreementCommandRefused> context)
    {
        var n = context.Message;
        var adapter = adapters.For(context);
        var commandId = n.CommandMessageId is { } sent ? await adapter.Cases.CommandIdAsync(sent, context.CancellationToken) : null;
        if (await ForwardOnceAsync(context, commandId ?? n.IdempotencyKey) is { } agency)
            logger.LogWarning("{Agency}: {Command} {CommandId} on disagreement {DisagreementId} refused by the hub: {Reason}",
                agency, n.Command, commandId ?? n.IdempotencyKey, n.DisagreementId, n.Reason);
    }

    private async Task<string?> ForwardOnceAsync<T>(ConsumeContext<T> context, string? commandId) where T : class
    {
        var adapter = adapters.For(context);
        var messageId = context.MessageId!.Value;
        if (await adapter.Inbox.HasProcessedAsync(messageId, context.CancellationToken)) return null;
        if (services.GetKeyedService<IDisagreementFeedback>(adapter.AgencyCode) is { } feedback)
            await feedback.ForwardAsync(adapter, messageId, context.Message, commandId, context.CancellationToken);
        return await adapter.Inbox.RecordAsync(messageId, typeof(T).Name, clock.GetUtcNow(), context.CancellationToken)
            ? adapter.AgencyCode
            : null;
    }
}
