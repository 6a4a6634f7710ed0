using EscalationHub.Contracts.Messages;
using MassTransit;
using Microsoft.Extensions.Logging;

namespace EscalationHub.Adapters.Runtime;

/// <summary>Feedback to a raising agency: the concern it raised has been acknowledged or decided. Recorded once in
/// the adapter's inbox; agency-specific adapters pass it on to their system.</summary>
public sealed class ConcernFeedbackConsumer(AgencyAdapters adapters, TimeProvider clock, ILogger<ConcernFeedbackConsumer> logger)
    : IConsumer<ConcernStatusChanged>
{
    public async Task Consume(ConsumeContext<ConcernStatusChanged> context)
    {
        var adapter = adapters.For(context);
        var message = context.Message;
        if (await adapter.Inbox.RecordAsync(context.MessageId!.Value, nameof(ConcernStatusChanged), clock.GetUtcNow(), context.CancellationToken))
            logger.LogInformation("{Agency}: concern {Reference} is now {Status}", adapter.AgencyCode, message.Reference, message.Status);
    }
}
