using EscalationHub.Contracts.Messages;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using EscalationHub.Adapters.Runtime.Ledger;
using Microsoft.Extensions.Logging;

namespace EscalationHub.Adapters.Runtime;

/// <summary>Passes what the hub says about a concern the agency raised on to the agency's own system (a webhook
/// call, a FHIR Task update). Registered per agency code as a keyed service; an agency without one only logs.</summary>
public interface IConcernFeedback
{
    /// <summary>Must be idempotent for the same <paramref name="cause"/>: a redelivered message calls it again.</summary>
    Task ForwardAsync(AgencyAdapter adapter, Guid cause, object feedback, CancellationToken cancellationToken);
}

/// <summary>What the hub tells a raising agency about concerns it raised: accepted (with the hub's reference),
/// refused (with the fields at fault), and each later status. Passed on to the agency system once, then recorded in
/// the adapter's inbox.</summary>
public sealed class ConcernFeedbackConsumer(AgencyAdapters adapters, IServiceProvider services, LedgerReplicator replicator, TimeProvider clock,
    ILogger<ConcernFeedbackConsumer> logger)
    : IConsumer<ConcernStatusChanged>, IConsumer<ConcernAccepted>, IConsumer<ConcernRefused>
{
    public async Task Consume(ConsumeContext<ConcernStatusChanged> context)
    {
        // The agency that answers is the other side of the concern: by default the one a disagreement about it is with.
        var adapter = adapters.For(context);
        var notice = context.Message;
        if (notice.ChildFileId is { } childFileId)
        {
            await adapter.Cases.RememberConcernAsync(notice.ConcernId, childFileId, notice.By.AgencyCode, context.CancellationToken);
            // The raiser is party to the child file: keep a verified copy (a concern raised over gRPC had no acceptance to say so).
            await replicator.TrackAsync(adapter.AgencyCode, childFileId, context.CancellationToken);
        }
        else await adapter.Cases.RememberCounterpartAsync(notice.ConcernId, notice.By.AgencyCode, context.CancellationToken);
        if (await ForwardOnceAsync(context) is { } agency)
            logger.LogInformation("{Agency}: concern {Reference} is now {Status}", agency, notice.Reference, notice.Status);
    }

    public async Task Consume(ConsumeContext<ConcernAccepted> context)
    {
        await adapters.For(context).Cases.RememberConcernAsync(context.Message.ConcernId, context.Message.ChildFileId, null, context.CancellationToken);
        if (await ForwardOnceAsync(context) is { } agency)
            logger.LogInformation("{Agency}: concern {Key} accepted by the hub as {Reference}", agency, context.Message.IdempotencyKey, context.Message.Reference);
        // The raiser is now party to the child file: keep a verified copy (also on a redelivery, which changes nothing).
        await replicator.TrackAsync(adapters.For(context).AgencyCode, context.Message.ChildFileId, context.CancellationToken);
    }

    public async Task Consume(ConsumeContext<ConcernRefused> context)
    {
        if (await ForwardOnceAsync(context) is { } agency)
            logger.LogWarning("{Agency}: concern {Key} refused by the hub: {Errors}", agency, context.Message.IdempotencyKey,
                string.Join("; ", context.Message.Errors.Select(e => $"{e.Field}: {e.Description}")));
    }

    private async Task<string?> ForwardOnceAsync<T>(ConsumeContext<T> context) where T : class
    {
        var adapter = adapters.For(context);
        var messageId = context.MessageId!.Value;
        if (await adapter.Inbox.HasProcessedAsync(messageId, context.CancellationToken)) return null;
        if (services.GetKeyedService<IConcernFeedback>(adapter.AgencyCode) is { } feedback)
            await feedback.ForwardAsync(adapter, messageId, context.Message, context.CancellationToken);
        return await adapter.Inbox.RecordAsync(messageId, typeof(T).Name, clock.GetUtcNow(), context.CancellationToken)
            ? adapter.AgencyCode
            : null;
    }
}
