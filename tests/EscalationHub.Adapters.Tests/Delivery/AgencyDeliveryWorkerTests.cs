using System.Collections.Concurrent;
using EscalationHub.Adapters.Runtime;
using EscalationHub.Adapters.Runtime.AgencySystem;
using Microsoft.Extensions.Logging.Abstractions;

namespace EscalationHub.Adapters.Tests.Delivery;

/// <summary>The delivery worker against a real SQLite outbox and an agency system that answers when the test says so.</summary>
public sealed class AgencyDeliveryWorkerTests : IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), $"eh-worker-{Guid.NewGuid():N}");
    private readonly AgencyAdapter adapter;
    private readonly DateTimeOffset now = DateTimeOffset.UtcNow;

    public AgencyDeliveryWorkerTests()
    {
        var file = Path.Combine(directory, "adapter.db");
        adapter = new AgencyAdapter("leics-socialcare", new AdapterInbox(file), new AgencyOutbox(file), new SimulatorLog(file));
    }

    [Fact]
    public async Task A_concern_whose_delivery_hangs_holds_back_only_itself_while_another_concerns_deliveries_go_on_in_order()
    {
        var (stuck, other) = (Guid.NewGuid(), Guid.NewGuid());
        var system = new AgencySystem();
        var stuckDelivery = await AddAsync(stuck, "concern.raised");
        system.Hold(stuckDelivery);
        var others = new[] { await AddAsync(other, "concern.raised"), await AddAsync(other, "concern.acknowledged"), await AddAsync(other, "concern.decided") };

        var options = new AgencySystemOptions { RequestTimeout = TimeSpan.FromMinutes(1) }; // the stuck call stays stuck
        using var worker = new AgencyDeliveryWorker(adapter, system, options, TimeProvider.System, NullLogger<AgencyDeliveryWorker>.Instance);
        await worker.StartAsync(CancellationToken.None);
        try
        {
            // The other concern does not wait for the one stuck in the agency system (its deliveries used to go in
            // rounds, each round waiting for its slowest).
            await system.WaitForAsync(others);
            Assert.Equal(others, system.Delivered);

            system.Release(stuckDelivery);
            await system.WaitForAsync([.. others, stuckDelivery]);
            Assert.DoesNotContain(await adapter.Outbox.AllAsync(), d => d.DeliveredAt is null);
        }
        finally
        {
            await worker.StopAsync(CancellationToken.None);
        }
    }

    private async Task<Guid> AddAsync(Guid concern, string kind)
    {
        var id = Guid.NewGuid();
        Assert.True(await adapter.Outbox.AddAsync(id, kind, concern, "POST", "", "{}", now));
        return id;
    }

    private sealed class AgencySystem : IAgencySystemTransport
    {
        private readonly ConcurrentDictionary<Guid, TaskCompletionSource> held = new();
        private readonly ConcurrentQueue<Guid> delivered = new();

        public IReadOnlyList<Guid> Delivered => [.. delivered];

        public void Hold(Guid delivery) => held[delivery] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Release(Guid delivery) => held[delivery].TrySetResult();

        public async Task DeliverAsync(AgencyDelivery delivery, CancellationToken cancellationToken)
        {
            if (held.TryGetValue(delivery.Id, out var gate)) await gate.Task.WaitAsync(cancellationToken);
            delivered.Enqueue(delivery.Id);
        }

        public async Task WaitForAsync(IReadOnlyCollection<Guid> deliveries)
        {
            for (var waited = 0; !deliveries.All(delivered.Contains); waited += 20)
            {
                if (waited > 5_000) Assert.Fail($"delivered {delivered.Count} of {deliveries.Count} within 5 s");
                await Task.Delay(20);
            }
        }
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(directory, recursive: true); } catch (IOException) { }
    }
}
