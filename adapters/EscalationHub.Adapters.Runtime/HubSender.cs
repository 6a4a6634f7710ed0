using EscalationHub.Contracts.Messages;
using EscalationHub.Messaging;
using MassTransit;
using Microsoft.Extensions.Options;

namespace EscalationHub.Adapters.Runtime;

/// <summary>Sends an adapter's commands and replies to the hub, with the broker's confirm. On a broker each agency
/// writes to its own inbound exchange (hub.inbound.&lt;code&gt;, bound to the hub's inbound queue), the only exchange
/// its broker user may write to; the in-memory transport of the embedded default sends to hub.inbound directly.
/// Sends are mandatory: a message the broker cannot route (no binding yet) fails the send instead of vanishing.</summary>
public sealed class HubSender(IBus bus, AgencyAdapters adapters, IOptions<BusSettings> settings)
{
    /// <summary>Sends as the one agency this process hosts (a standalone adapter).</summary>
    public Task SendAsync<T>(T message, Guid messageId, CancellationToken cancellationToken) where T : class
    {
        var hosted = adapters.All;
        if (hosted.Count != 1 && settings.Value.UsesBroker)
            throw new InvalidOperationException("this process hosts several adapters: name the sending agency");
        // In memory several adapters share the process and the message alone says which one sends it: no agency header.
        return SendAsync(hosted.First().AgencyCode, hosted.Count == 1, message, messageId, cancellationToken);
    }

    public Task SendAsync<T>(string fromAgency, T message, Guid messageId, CancellationToken cancellationToken) where T : class =>
        SendAsync(fromAgency, true, message, messageId, cancellationToken);

    private async Task SendAsync<T>(string fromAgency, bool named, T message, Guid messageId, CancellationToken cancellationToken) where T : class
    {
        var exchange = settings.Value.UsesBroker ? Addresses.HubInboundFrom(fromAgency) : Addresses.HubInbound;
        var endpoint = await bus.GetSendEndpoint(new Uri($"exchange:{exchange}"));
        await endpoint.Send(message, context =>
        {
            context.MessageId = messageId;
            // The hub checks a command acts only for its sender: on a broker the exchange says who sent it; in memory
            // (no credentials, one process) an adapter that knows its agency names it, so a mix-up is refused too.
            if (named) context.Headers.Set("EscalationHub-Agency", fromAgency);
            if (context is RabbitMqSendContext rabbit) rabbit.Mandatory = true;
        }, cancellationToken);
    }
}
