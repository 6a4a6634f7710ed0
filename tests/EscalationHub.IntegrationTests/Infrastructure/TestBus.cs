using System.Collections.Concurrent;
using System.Text.Json.Serialization;
using EscalationHub.Contracts.Messages;
using MassTransit;

namespace EscalationHub.IntegrationTests.Infrastructure;

/// <summary>A MassTransit bus in the test process, on the real broker, for putting messages on the wire exactly as
/// an agency would (or as a broker redelivering would: same MessageId twice).</summary>
public sealed class TestBus : IAsyncDisposable
{
    private readonly IBusControl bus;

    private TestBus(IBusControl bus, ConcurrentQueue<DisagreementNotice>? notices = null)
    {
        this.bus = bus;
        Notices = notices ?? new();
    }

    /// <summary>Disagreement notices received on the agency queue this bus listens on (if any).</summary>
    public ConcurrentQueue<DisagreementNotice> Notices { get; }

    /// <param name="agencyQueue">Listen on this agency's queue as its adapter would, recording disagreement notices.</param>
    /// <param name="user">The broker user to connect as (default guest); e.g. an agency's own, with its password from compose/.env.</param>
    public static async Task<TestBus> StartAsync(RabbitMqNode broker, string? agencyQueue = null, string virtualHost = "/", string? user = null)
    {
        var notices = new ConcurrentQueue<DisagreementNotice>();
        var bus = Bus.Factory.CreateUsingRabbitMq(cfg =>
        {
            cfg.Host("127.0.0.1", (ushort)broker.Port, virtualHost, h =>
            {
                h.Username(user ?? "guest");
                h.Password(user is null ? "guest" : DevBrokerUsers.PasswordOf(user));
            });
            cfg.ConfigureJsonSerializerOptions(options =>
            {
                options.Converters.Add(new JsonStringEnumConverter());
                return options;
            });
            if (agencyQueue is not null)
                cfg.ReceiveEndpoint(agencyQueue, e =>
                {
                    e.ConfigureConsumeTopology = false;
                    e.Handler<DisagreementNotice>(context =>
                    {
                        notices.Enqueue(context.Message);
                        return Task.CompletedTask;
                    });
                    e.Handler<ConcernAccepted>(_ => Task.CompletedTask);
                    e.Handler<ConcernStatusChanged>(_ => Task.CompletedTask);
                    e.Handler<ChildFilePartyJoined>(_ => Task.CompletedTask);
                });
        });
        await bus.StartAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
        return new TestBus(bus, notices);
    }

    /// <summary>Sends with a fixed MessageId; returns once the broker has confirmed it.</summary>
    public async Task SendAsync<T>(string queue, T message, Guid messageId, CancellationToken cancellationToken = default) where T : class
    {
        var endpoint = await bus.GetSendEndpoint(new Uri($"exchange:{queue}"));
        await endpoint.Send(message, context => context.MessageId = messageId, cancellationToken);
    }

    public async ValueTask DisposeAsync() => await bus.StopAsync();
}
