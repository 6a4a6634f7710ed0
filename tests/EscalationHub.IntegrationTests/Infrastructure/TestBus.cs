using System.Text.Json.Serialization;
using MassTransit;

namespace EscalationHub.IntegrationTests.Infrastructure;

/// <summary>A MassTransit bus in the test process, on the real broker, for putting messages on the wire exactly as
/// an agency would (or as a broker redelivering would: same MessageId twice).</summary>
public sealed class TestBus : IAsyncDisposable
{
    private readonly IBusControl bus;

    private TestBus(IBusControl bus) => this.bus = bus;

    public static async Task<TestBus> StartAsync(RabbitMqNode broker, string virtualHost = "/")
    {
        var bus = Bus.Factory.CreateUsingRabbitMq(cfg =>
        {
            cfg.Host("127.0.0.1", (ushort)broker.Port, virtualHost, h =>
            {
                h.Username("guest");
                h.Password("guest");
            });
            cfg.ConfigureJsonSerializerOptions(options =>
            {
                options.Converters.Add(new JsonStringEnumConverter());
                return options;
            });
        });
        await bus.StartAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
        return new TestBus(bus);
    }

    public async Task SendAsync<T>(string queue, T message, Guid messageId) where T : class
    {
        var endpoint = await bus.GetSendEndpoint(new Uri($"exchange:{queue}"));
        await endpoint.Send(message, context => context.MessageId = messageId);
    }

    public async ValueTask DisposeAsync() => await bus.StopAsync();
}
