using EscalationHub.Server.Operations;
using EscalationHub.Contracts.Messages;
using EscalationHub.Messaging;
using EscalationHub.Server.Messaging;
using EscalationHub.Server.Store;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace EscalationHub.Server.Tests;

/// <summary>The dispatcher on a real SQLite outbox and MassTransit's in-memory transport (a unit test: the real
/// broker is exercised by the integration tests).</summary>
public sealed class OutboxDispatcherTests : IAsyncDisposable
{
    private readonly SqliteStore store = new();
    private readonly ServiceProvider services;
    private readonly List<ConcernStatusChanged> received = [];

    public OutboxDispatcherTests()
    {
        services = new ServiceCollection()
            .AddDbContext<HubDbContext>(o => o.UseSqlite($"Data Source={store.DatabasePath};Pooling=False"))
            .AddMassTransit(x => x.UsingInMemory((context, cfg) =>
                cfg.ReceiveEndpoint("agency.leics-police", e => e.Handler<ConcernStatusChanged>(c =>
                {
                    lock (received) received.Add(c.Message);
                    return Task.CompletedTask;
                }))))
            .BuildServiceProvider();
    }

    public async ValueTask DisposeAsync()
    {
        await services.DisposeAsync();
        store.Dispose();
    }

    [Fact]
    public async Task A_row_that_can_never_be_read_is_set_aside_and_does_not_hold_up_the_messages_behind_it()
    {
        var now = DateTimeOffset.UtcNow;
        using (var db = store.NewContext())
        {
            db.Outbox.Add(new OutboxMessage { MessageId = Guid.NewGuid(), Destination = "agency.leics-police", MessageType = "EscalationHub.Contracts.Messages.NoLongerExists", Body = "{}", CreatedAt = now });
            db.Enqueue("agency.leics-police", new ConcernStatusChanged(Guid.NewGuid(), "CN-1", ConcernStatus.Acknowledged, new ActorRef("leics-police", "DS"), now, null, null), now);
            await db.SaveChangesAsync();
        }
        var bus = services.GetRequiredService<IBusControl>();
        await bus.StartAsync();
        var endpoints = new BusEndpoints();
        endpoints.MarkSendQueuesDeclared();
        var dispatcher = new OutboxDispatcher(services.GetRequiredService<IServiceScopeFactory>(), bus, endpoints, new OutboxSignal(), new FlowSignal(),
            Options.Create(new OutboxOptions { PollInterval = TimeSpan.FromMilliseconds(50) }), TimeProvider.System, NullLogger<OutboxDispatcher>.Instance);

        await dispatcher.StartAsync(CancellationToken.None);
        var until = DateTime.UtcNow.AddSeconds(10);
        while (received.Count == 0 && DateTime.UtcNow < until) await Task.Delay(50);
        await dispatcher.StopAsync(CancellationToken.None);
        await bus.StopAsync();

        Assert.Single(received);
        using var check = store.NewContext();
        var poison = check.Outbox.Single(o => o.MessageType.EndsWith("NoLongerExists"));
        Assert.NotNull(poison.FailedAt);
        Assert.Null(poison.SentAt);
        Assert.Contains("cannot be read", poison.LastError);
    }
}
