using System.Collections.Concurrent;
using System.Diagnostics;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace EscalationHub.Benchmarks;

/// <summary>The raw broker with RabbitMQ.Client alone, done the way the hub and its adapters use it: persistent messages
/// to durable queues, each publish awaiting its publisher confirm, each delivery acknowledged on its own after it was
/// handled. One way (publish, consume), and a round trip (request to one queue, its reply published with a confirm
/// from the consumer before it acknowledges the request, the reply consumed and acknowledged): the hub-to-adapter-and-back
/// shape of a concern.</summary>
public static class BrokerBaselines
{
    private static readonly byte[] Body = new byte[1024]; // about the size of a serialised ConcernRaised envelope

    public sealed record Result(double OneWayPerSecond, double RoundTripsPerSecond);

    /// <param name="brokerProcess">The broker's process id, to say what a round trip costs it in CPU.</param>
    public static async Task<Result> RunAsync(string amqpUri, int messages, int inFlight, int brokerProcess)
    {
        var factory = new ConnectionFactory { Uri = new Uri(amqpUri) };
        await using var publisherConnection = await factory.CreateConnectionAsync("bench-publisher");
        await using var consumerConnection = await factory.CreateConnectionAsync("bench-consumer");

        var oneWay = await OneWayAsync(publisherConnection, consumerConnection, messages, inFlight);
        Console.WriteLine($"raw broker, one way: {messages:N0} messages, {inFlight} publishes in flight: {oneWay:N0}/s");
        var cpu = ProcessCpu.Start(new Dictionary<string, int> { ["broker"] = brokerProcess });
        var roundTrip = await RoundTripAsync(publisherConnection, consumerConnection, messages / 2, inFlight);
        var roundTripCpu = ProcessCpu.Format(cpu.Stop(messages / 2));
        Console.WriteLine($"raw broker, round trip: {messages / 2:N0} requests and replies, {inFlight} in flight: {roundTrip:N0}/s");
        Console.WriteLine($"raw broker, round trip: CPU ms per round trip: {roundTripCpu}");
        return new Result(oneWay, roundTrip);
    }

    /// <summary>Prefetch 32 and up to 32 deliveries handled at once: what a MassTransit endpoint of the hub does.</summary>
    private static async Task<IChannel> ConsumingChannelAsync(IConnection connection)
    {
        var channel = await connection.CreateChannelAsync(new CreateChannelOptions(false, false, consumerDispatchConcurrency: 32));
        await channel.BasicQosAsync(0, 32, false);
        return channel;
    }

    private static Task<IChannel> ConfirmingChannelAsync(IConnection connection) =>
        connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));

    private static async Task<double> OneWayAsync(IConnection publisherConnection, IConnection consumerConnection, int messages, int inFlight)
    {
        var queue = $"bench.oneway.{Guid.NewGuid():N}";
        await using var publisher = await ConfirmingChannelAsync(publisherConnection);
        await publisher.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false);
        await using var consumerChannel = await ConsumingChannelAsync(consumerConnection);

        var consumed = 0;
        var allConsumed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var consumer = new AsyncEventingBasicConsumer(consumerChannel);
        consumer.ReceivedAsync += async (_, delivery) =>
        {
            await consumerChannel.BasicAckAsync(delivery.DeliveryTag, multiple: false);
            if (Interlocked.Increment(ref consumed) == messages) allConsumed.TrySetResult();
        };
        await consumerChannel.BasicConsumeAsync(queue, autoAck: false, consumer);

        var clock = Stopwatch.StartNew();
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, inFlight).Select(_ => Task.Run(async () =>
        {
            while (Interlocked.Increment(ref next) < messages)
                await publisher.BasicPublishAsync("", queue, mandatory: true, new BasicProperties { Persistent = true, MessageId = Guid.NewGuid().ToString() }, Body);
        })));
        await allConsumed.Task.WaitAsync(TimeSpan.FromMinutes(5));
        clock.Stop();
        await publisher.QueueDeleteAsync(queue);
        return messages / clock.Elapsed.TotalSeconds;
    }

    private static async Task<double> RoundTripAsync(IConnection clientConnection, IConnection serverConnection, int requests, int inFlight)
    {
        var requestQueue = $"bench.request.{Guid.NewGuid():N}";
        var replyQueue = $"bench.reply.{Guid.NewGuid():N}";
        await using var clientPublisher = await ConfirmingChannelAsync(clientConnection);
        await clientPublisher.QueueDeclareAsync(requestQueue, durable: true, exclusive: false, autoDelete: false);
        await clientPublisher.QueueDeclareAsync(replyQueue, durable: true, exclusive: false, autoDelete: false);

        // The far side (the adapter's role): consume a request, publish its reply with a confirm, then acknowledge.
        await using var serverConsumer = await ConsumingChannelAsync(serverConnection);
        await using var serverPublisher = await ConfirmingChannelAsync(serverConnection);
        var server = new AsyncEventingBasicConsumer(serverConsumer);
        server.ReceivedAsync += async (_, delivery) =>
        {
            await serverPublisher.BasicPublishAsync("", replyQueue, mandatory: true,
                new BasicProperties { Persistent = true, CorrelationId = delivery.BasicProperties.CorrelationId }, Body);
            await serverConsumer.BasicAckAsync(delivery.DeliveryTag, multiple: false);
        };
        await serverConsumer.BasicConsumeAsync(requestQueue, autoAck: false, server);

        // The near side (the hub's role): its replies come back on another queue and are acknowledged.
        var waiting = new ConcurrentDictionary<string, TaskCompletionSource>();
        await using var clientConsumer = await ConsumingChannelAsync(clientConnection);
        var client = new AsyncEventingBasicConsumer(clientConsumer);
        client.ReceivedAsync += async (_, delivery) =>
        {
            await clientConsumer.BasicAckAsync(delivery.DeliveryTag, multiple: false);
            if (waiting.TryRemove(delivery.BasicProperties.CorrelationId!, out var reply)) reply.TrySetResult();
        };
        await clientConsumer.BasicConsumeAsync(replyQueue, autoAck: false, client);

        var clock = Stopwatch.StartNew();
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, inFlight).Select(_ => Task.Run(async () =>
        {
            while (Interlocked.Increment(ref next) < requests)
            {
                var id = Guid.NewGuid().ToString();
                var reply = waiting[id] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                await clientPublisher.BasicPublishAsync("", requestQueue, mandatory: true, new BasicProperties { Persistent = true, CorrelationId = id }, Body);
                await reply.Task.WaitAsync(TimeSpan.FromMinutes(2));
            }
        })));
        clock.Stop();
        await clientPublisher.QueueDeleteAsync(requestQueue);
        await clientPublisher.QueueDeleteAsync(replyQueue);
        return requests / clock.Elapsed.TotalSeconds;
    }
}
