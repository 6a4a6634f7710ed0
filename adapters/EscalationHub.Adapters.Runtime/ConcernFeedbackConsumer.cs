using EscalationHub.Adapters.Runtime.Ledger;
using EscalationHub.Contracts.Messages;
using MassTransit;
using Microsoft.Extensions.Logging;

namespace EscalationHub.Adapters.Runtime;

/// <summary>What the hub tells a raising agency about concerns it raised: accepted (with the hub's reference),
/// refused (with the fields at fault), and each later status. Recorded once in the adapter's inbox; agency-specific
/// adapters pass it on to their system.</summary>
public sealed class ConcernFeedbackConsumer(AgencyAdapters adapters, LedgerReplicator replicator, TimeProvider clock, ILogger<ConcernFeedbackConsumer> logger)
    : IConsumer<ConcernStatusChanged>, IConsumer<ConcernAccepted>, IConsumer<ConcernRefused>
{
    public async Task Consume(ConsumeContext<ConcernStatusChanged> context)
    {
        if (await RecordAsync(context) is { } agency)
            logger.LogInformation("{Agency}: concern {Reference} is now {Status}", agency, context.Message.Reference, context.Message.Status);
    }

    public async Task Consume(ConsumeContext<ConcernAccepted> context)
    {
        if (await RecordAsync(context) is { } agency)
            logger.LogInformation("{Agency}: concern {Key} accepted by the hub as {Reference}", agency, context.Message.IdempotencyKey, context.Message.Reference);
        // The raiser is now party to the child file: keep a verified copy (also on a redelivery, which changes nothing).
        await replicator.TrackAsync(adapters.For(context).AgencyCode, context.Message.ChildFileId, context.CancellationToken);
    }

    public async Task Consume(ConsumeContext<ConcernRefused> context)
    {
        if (await RecordAsync(context) is { } agency)
            logger.LogWarning("{Agency}: concern {Key} refused by the hub: {Errors}", agency, context.Message.IdempotencyKey,
                string.Join("; ", context.Message.Errors.Select(e => $"{e.Field}: {e.Description}")));
    }

    private async Task<string?> RecordAsync<T>(ConsumeContext<T> context) where T : class
    {
        var adapter = adapters.For(context);
        return await adapter.Inbox.RecordAsync(context.MessageId!.Value, typeof(T).Name, clock.GetUtcNow(), context.CancellationToken)
            ? adapter.AgencyCode
            : null;
    }
}
