using System.Text.Json;
using RabbitMQ.Client;

namespace EscalationHub.IntegrationTests.Infrastructure;

/// <summary>A copy of every message published to some of the broker's exchanges, as the broker routed them: a private,
/// auto-deleted queue bound to each (MassTransit's exchanges fan out). What the tests count when they claim how many
/// broker messages something costs.</summary>
public sealed class BrokerTap : IAsyncDisposable
{
    private readonly IConnection connection;
    private readonly IChannel channel;
    private readonly string queue;

    private BrokerTap(IConnection connection, IChannel channel, string queue) => (this.connection, this.channel, this.queue) = (connection, channel, queue);

    public static async Task<BrokerTap> StartAsync(string amqpUri, params string[] exchanges)
    {
        var connection = await new ConnectionFactory { Uri = new Uri(amqpUri) }.CreateConnectionAsync();
        var channel = await connection.CreateChannelAsync();
        var queue = (await channel.QueueDeclareAsync($"test.tap.{Guid.NewGuid():N}", durable: false, exclusive: true, autoDelete: true)).QueueName;
        foreach (var exchange in exchanges) await channel.QueueBindAsync(queue, exchange, routingKey: "");
        return new BrokerTap(connection, channel, queue);
    }

    /// <summary>A message as published: its MassTransit message id, short type name and message body.</summary>
    public sealed record Tapped(Guid MessageId, string Type, JsonElement Message);

    /// <summary>Everything tapped so far (taken off the tap queue).</summary>
    public async Task<IReadOnlyList<Tapped>> TakeAsync()
    {
        var taken = new List<Tapped>();
        while (await channel.BasicGetAsync(queue, autoAck: true) is { } delivery)
        {
            using var envelope = JsonDocument.Parse(delivery.Body);
            var root = envelope.RootElement;
            var urn = root.GetProperty("messageType")[0].GetString()!;
            taken.Add(new Tapped(Guid.Parse(root.GetProperty("messageId").GetString()!), urn[(urn.LastIndexOf(':') + 1)..],
                root.GetProperty("message").Clone()));
        }
        return taken;
    }

    public async ValueTask DisposeAsync()
    {
        await channel.DisposeAsync();
        await connection.DisposeAsync();
    }
}
