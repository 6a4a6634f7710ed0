using EscalationHub.Contracts.Messages;
using MassTransit;

namespace EscalationHub.Adapters.Runtime;

/// <summary>Sends an adapter's commands and replies to the hub's inbound queue, with the broker's confirm.</summary>
public sealed class HubSender(IBus bus)
{
    private static readonly Uri HubInbound = new($"exchange:{Addresses.HubInbound}");

    public async Task SendAsync<T>(T message, Guid messageId, CancellationToken cancellationToken) where T : class
    {
        var endpoint = await bus.GetSendEndpoint(HubInbound);
        await endpoint.Send(message, context => context.MessageId = messageId, cancellationToken);
    }
}
