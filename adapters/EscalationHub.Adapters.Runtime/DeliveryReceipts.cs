using EscalationHub.Contracts.Messages;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EscalationHub.Adapters.Runtime;

/// <summary>After an adapter's consumer has applied a message that is not answered, tells the hub (MessageDelivered), so the
/// operators' flow shows the message acknowledged by the agency, not just accepted by the broker. The receipt
/// id is derived from the message id, so a redelivered message produces the same receipt. A receipt that
/// cannot be sent is logged, not fatal: the message itself was applied. (The sender is resolved on use: the observer
/// is built with the bus, which the sender needs.)</summary>
public sealed class DeliveryReceipts(AgencyAdapters adapters, IServiceProvider services, TimeProvider clock, ILogger<DeliveryReceipts> logger)
    : IConsumeObserver
{
    public Task PreConsume<T>(ConsumeContext<T> context) where T : class => Task.CompletedTask;

    public async Task PostConsume<T>(ConsumeContext<T> context) where T : class
    {
        if (context.MessageId is not { } messageId || adapters.TryFor(context) is not { } adapter) return;
        // A concern is answered (acknowledged, decided): the answer is its receipt, one broker message fewer per concern.
        if (context.Message is ConcernRaised) return;
        try
        {
            await services.GetRequiredService<HubSender>().SendAsync(new MessageDelivered(messageId, adapter.AgencyCode, typeof(T).Name, clock.GetUtcNow()),
                DeterministicId.For(messageId, "delivered"), context.CancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "{Agency}: could not send the receipt for {MessageType} {MessageId}", adapter.AgencyCode, typeof(T).Name, messageId);
        }
    }

    public Task ConsumeFault<T>(ConsumeContext<T> context, Exception exception) where T : class => Task.CompletedTask;
}
