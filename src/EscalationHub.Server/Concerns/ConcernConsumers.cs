using EscalationHub.Contracts.Messages;
using EscalationHub.Server.Messaging;
using MassTransit;

namespace EscalationHub.Server.Concerns;

// Thin shells: the bus side of the concern flow, each applying its handler exactly once.

public sealed class AcknowledgeConcernConsumer(HubInbox inbox, AcknowledgeConcernHandler handler, ConcernWatchers watchers)
    : IConsumer<AcknowledgeConcern>
{
    public async Task Consume(ConsumeContext<AcknowledgeConcern> context)
    {
        await inbox.ApplyOnceAsync(context, () => handler.HandleAsync(context.Message, context.CancellationToken));
        watchers.Notify(context.Message.ConcernId);
    }
}

public sealed class DecideConcernConsumer(HubInbox inbox, DecideConcernHandler handler, ConcernWatchers watchers)
    : IConsumer<DecideConcern>
{
    public async Task Consume(ConsumeContext<DecideConcern> context)
    {
        await inbox.ApplyOnceAsync(context, () => handler.HandleAsync(context.Message, context.CancellationToken));
        watchers.Notify(context.Message.ConcernId);
    }
}
