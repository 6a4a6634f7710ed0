using EscalationHub.Testing;
using EscalationHub.Server.Store;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace EscalationHub.StoreAcceptance.Tests;

/// <summary>Two hubs in process sharing one PostgreSQL database (what two replicas do), started at the same moment.</summary>
public sealed class PostgresReplicaTests(PostgresServerFixture postgres) : IClassFixture<PostgresServerFixture>, IAsyncLifetime
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), $"eh-replicas-{Guid.NewGuid():N}");
    private HubStore first = null!;
    private HubStore second = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(directory);
        var settings = new Dictionary<string, string?>
        {
            ["Store:Path"] = Path.Combine(directory, "hub.db"), // one signing key for both, as replicas share it
            ["Store:Provider"] = "PostgreSQL",
            ["ConnectionStrings:Hub"] = await postgres.Server.CreateDatabaseAsync(),
        };
        // Both migrate at once: one applies the migrations, the other waits and finds them applied.
        var started = await Task.WhenAll(HubStore.StartAsync(settings), HubStore.StartAsync(settings));
        (first, second) = (started[0], started[1]);
    }

    public async Task DisposeAsync()
    {
        await first.DisposeAsync();
        await second.DisposeAsync();
        try { Directory.Delete(directory, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public async Task The_same_concerns_raised_on_both_hubs_at_once_are_stored_once_each_and_the_shared_ledger_stays_gapless_and_verifiable()
    {
        var keys = Enumerable.Range(0, 60).Select(i => $"both-{i}").ToList();
        var raised = await Task.WhenAll(keys.SelectMany(k => new[] { first.RaiseConcernAsync(k), second.RaiseConcernAsync(k) }));

        Assert.Equal(60, raised.Count(r => r.Created));
        Assert.Equal(60, raised.Select(r => r.Concern.Reference).Distinct().Count());
        Assert.Equal(60, await first.QueryAsync(db => db.Concerns.CountAsync()));
        Assert.Equal(60, await first.QueryAsync(db => db.Outbox.CountAsync())); // a ConcernRaised each
        var (result, sequences) = await second.VerifyLedgerAsync();
        Assert.True(result.IsValid, result.ToString());
        Assert.Equal(60, sequences.Count);
        Assert.Equal(Enumerable.Range(0, 60).Select(i => (long)i), sequences);
    }

    [Fact]
    public async Task A_passed_deadline_is_fired_once_when_both_hubs_schedulers_see_it()
    {
        var id = await first.OpenDisagreementAsync("late-both");
        var late = new DateTimeOffset(2027, 1, 18, 17, 1, 0, TimeSpan.Zero);
        first.Clock.SetUtcNow(late);
        second.Clock.SetUtcNow(late);

        for (var round = 0; round < 3; round++)
            await Task.WhenAll(first.NewScheduler().RunOnceAsync(CancellationToken.None), second.NewScheduler().RunOnceAsync(CancellationToken.None));

        Assert.Equal(2, await first.QueryAsync(db => db.Disagreements.Where(d => d.Id == id).Select(d => d.CurrentStage).SingleAsync()));
        Assert.Equal(1, await first.QueryAsync(db => db.DisagreementEvents.CountAsync(e => e.DisagreementId == id && e.Type == "escalated")));
    }

    [Fact]
    public async Task Only_one_hub_at_a_time_holds_a_replica_task_and_the_other_takes_it_when_it_is_released()
    {
        await using var firstScope = first.Services.CreateAsyncScope();
        await using var secondScope = second.Services.CreateAsyncScope();
        var firstDb = firstScope.ServiceProvider.GetRequiredService<HubDbContext>();
        var secondDb = secondScope.ServiceProvider.GetRequiredService<HubDbContext>();
        var firstLocks = first.Services.GetRequiredService<ReplicaLocks>();
        var secondLocks = second.Services.GetRequiredService<ReplicaLocks>();

        var held = await firstLocks.TryClaimAsync(firstDb, ReplicaTask.OutboxDispatch, CancellationToken.None);
        Assert.NotNull(held);
        Assert.Null(await secondLocks.TryClaimAsync(secondDb, ReplicaTask.OutboxDispatch, CancellationToken.None));
        await using (var other = await secondLocks.TryClaimAsync(secondDb, ReplicaTask.DeadlineScheduler, CancellationToken.None))
            Assert.NotNull(other); // a different task is not blocked

        await held!.DisposeAsync();
        await using var taken = await secondLocks.TryClaimAsync(secondDb, ReplicaTask.OutboxDispatch, CancellationToken.None);
        Assert.NotNull(taken);
    }
}
