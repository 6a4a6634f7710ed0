using EscalationHub.Server.Operations;
using EscalationHub.Contracts.Messages;
using EscalationHub.Messaging;
using EscalationHub.Server.Messaging;
using EscalationHub.Server.Store;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using EscalationHub.Server.Ledger;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace EscalationHub.Server.Tests;

/// <summary>The dispatcher on a real SQLite outbox, written through the hub's own group commit, and MassTransit's
/// in-memory transport (a unit test: the real broker is exercised by the integration tests).</summary>
public sealed class OutboxDispatcherTests : IAsyncLifetime
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), $"eh-outbox-{Guid.NewGuid():N}");
    private readonly List<ConcernStatusChanged> received = [];
    private IHost host = null!;

    public async Task InitializeAsync()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = "Production" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Store:Path"] = Path.Combine(directory, "hub.db") });
        builder.Services.AddLogging();
        builder.Services.AddSingleton<OutboxSignal>();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.AddHubStore();
        builder.AddHubLedger();
        builder.Services.AddMassTransit(x => x.UsingInMemory((context, cfg) =>
            cfg.ReceiveEndpoint("agency.leics-police", e => e.Handler<ConcernStatusChanged>(c =>
            {
                lock (received) received.Add(c.Message);
                return Task.CompletedTask;
            }))));
        host = builder.Build();
        await host.MigrateHubStoreAsync();
        await host.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await host.StopAsync();
        host.Dispose();
        try { Directory.Delete(directory, recursive: true); } catch (IOException) { }
    }

    private HubDbContext NewContext() => host.Services.GetRequiredService<IDbContextFactory<HubDbContext>>().CreateDbContext();

    [Fact]
    public async Task A_row_that_can_never_be_read_is_set_aside_and_does_not_hold_up_the_messages_behind_it()
    {
        var now = DateTimeOffset.UtcNow;
        using (var db = NewContext())
        {
            db.Outbox.Add(new OutboxMessage { MessageId = Guid.NewGuid(), Destination = "agency.leics-police", MessageType = "EscalationHub.Contracts.Messages.NoLongerExists", Body = "{}", CreatedAt = now });
            db.Enqueue("agency.leics-police", new ConcernStatusChanged(Guid.NewGuid(), "CN-1", ConcernStatus.Acknowledged, new ActorRef("leics-police", "DS"), now, null, null), now);
            await db.SaveChangesAsync();
        }
        var services = host.Services;
        var bus = services.GetRequiredService<IBus>();
        var endpoints = new BusEndpoints();
        endpoints.MarkSendQueuesDeclared();
        var dispatcher = new OutboxDispatcher(services.GetRequiredService<IServiceScopeFactory>(), bus, endpoints, new OutboxSignal(), new FlowSignal(),
            Options.Create(new OutboxOptions { PollInterval = TimeSpan.FromMilliseconds(50) }), TimeProvider.System, NullLogger<OutboxDispatcher>.Instance);

        await dispatcher.StartAsync(CancellationToken.None);
        var until = DateTime.UtcNow.AddSeconds(10);
        while (received.Count == 0 && DateTime.UtcNow < until) await Task.Delay(50);
        // The sent row is marked once the group commit that records it has committed.
        using var check = NewContext();
        while (check.Outbox.Any(o => o.SentAt == null && o.FailedAt == null) && DateTime.UtcNow < until) await Task.Delay(50);
        await dispatcher.StopAsync(CancellationToken.None);

        Assert.Single(received);
        Assert.NotNull(check.Outbox.AsNoTracking().Single(o => o.MessageType.EndsWith(nameof(ConcernStatusChanged))).SentAt);
        var poison = check.Outbox.AsNoTracking().Single(o => o.MessageType.EndsWith("NoLongerExists"));
        Assert.NotNull(poison.FailedAt);
        Assert.Null(poison.SentAt);
        Assert.Contains("cannot be read", poison.LastError);
    }
    /// <summary>Another writer holds the store's write lock, so the group commit that would record the first batch as
    /// sent cannot commit; the second batch is read and sent all the same, and both are recorded once the lock goes.</summary>
    [Fact]
    public async Task The_next_batch_is_sent_while_the_previous_batch_waits_for_its_marked_sent_commit()
    {
        var now = DateTimeOffset.UtcNow;
        using (var db = NewContext())
        {
            db.Enqueue("agency.leics-police", new ConcernStatusChanged(Guid.NewGuid(), "CN-1", ConcernStatus.Acknowledged, new ActorRef("leics-police", "DS"), now, null, null), now);
            db.Enqueue("agency.leics-police", new ConcernStatusChanged(Guid.NewGuid(), "CN-2", ConcernStatus.Acknowledged, new ActorRef("leics-police", "DS"), now, null, null), now);
            await db.SaveChangesAsync();
        }
        var services = host.Services;
        var endpoints = new BusEndpoints();
        endpoints.MarkSendQueuesDeclared();
        var dispatcher = new OutboxDispatcher(services.GetRequiredService<IServiceScopeFactory>(), services.GetRequiredService<IBus>(), endpoints,
            new OutboxSignal(), new FlowSignal(), Options.Create(new OutboxOptions { PollInterval = TimeSpan.FromMilliseconds(50), BatchSize = 1 }),
            TimeProvider.System, NullLogger<OutboxDispatcher>.Instance);

        await using var writer = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(directory, "hub.db")};Pooling=False");
        await writer.OpenAsync();
        await using (var begin = writer.CreateCommand())
        {
            begin.CommandText = "BEGIN IMMEDIATE";
            await begin.ExecuteNonQueryAsync();
        }
        await dispatcher.StartAsync(CancellationToken.None);
        var until = DateTime.UtcNow.AddSeconds(20);
        while (Received().Count < 2 && DateTime.UtcNow < until) await Task.Delay(50);
        var receivedWhileLocked = Received();
        var unsentWhileLocked = Unsent();
        await using (var rollback = writer.CreateCommand())
        {
            rollback.CommandText = "ROLLBACK";
            await rollback.ExecuteNonQueryAsync();
        }
        while (Unsent() > 0 && DateTime.UtcNow < until) await Task.Delay(50);
        await dispatcher.StopAsync(CancellationToken.None);

        Assert.Equal(["CN-1", "CN-2"], receivedWhileLocked);
        Assert.Equal(2, unsentWhileLocked);
        Assert.Equal(["CN-1", "CN-2"], Received());
        Assert.Equal(0, Unsent());

        List<string> Received() { lock (received) return received.Select(m => m.Reference).ToList(); }
        int Unsent() { using var check = NewContext(); return check.Outbox.Count(o => o.SentAt == null); }
    }
}
