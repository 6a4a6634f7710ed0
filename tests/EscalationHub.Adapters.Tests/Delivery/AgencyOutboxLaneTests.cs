using EscalationHub.Adapters.Runtime;

namespace EscalationHub.Adapters.Tests.Delivery;

/// <summary>What the delivery worker may hand the agency system next, read from a real SQLite file: each concern's
/// deliveries in the order they were added, different concerns side by side.</summary>
public sealed class AgencyOutboxLaneTests : IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), $"eh-lanes-{Guid.NewGuid():N}");
    private readonly AgencyOutbox outbox;
    private readonly DateTimeOffset now = new(2026, 11, 25, 9, 0, 0, TimeSpan.Zero);

    public AgencyOutboxLaneTests() => outbox = new AgencyOutbox(Path.Combine(directory, "adapter.db"));

    private async Task<Guid> AddAsync(Guid? concern, string kind)
    {
        var id = Guid.NewGuid();
        Assert.True(await outbox.AddAsync(id, kind, concern, "POST", "", "{}", now));
        return id;
    }

    [Fact]
    public async Task Each_concern_offers_only_its_oldest_delivery_and_notices_about_no_concern_share_one_lane()
    {
        var (a, b) = (Guid.NewGuid(), Guid.NewGuid());
        var a1 = await AddAsync(a, "concern.raised");
        var b1 = await AddAsync(b, "concern.raised");
        var a2 = await AddAsync(a, "concern.decided");
        var n1 = await AddAsync(null, "disagreement.opened");
        var n2 = await AddAsync(null, "disagreement.escalated");

        var heads = await outbox.LaneHeadsAsync(8);
        Assert.Equal([a1, b1, n1], heads.Select(h => h.Id));

        await outbox.MarkDeliveredAsync(heads[0].Sequence, now);
        await outbox.MarkDeliveredAsync(heads[2].Sequence, now);
        Assert.Equal([b1, a2, n2], (await outbox.LaneHeadsAsync(8)).Select(h => h.Id));
    }

    [Fact]
    public async Task A_failing_delivery_holds_back_its_own_concern_only_and_the_oldest_lanes_come_first()
    {
        var (a, b, c) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        var a1 = await AddAsync(a, "concern.raised");
        await AddAsync(a, "concern.decided");
        var b1 = await AddAsync(b, "concern.raised");
        await AddAsync(c, "concern.raised");

        var first = (await outbox.LaneHeadsAsync(8))[0];
        await outbox.MarkFailedAsync(first.Sequence, now.AddMinutes(5), "503 from the case system");

        var heads = await outbox.LaneHeadsAsync(2);
        Assert.Equal([a1, b1], heads.Select(h => h.Id)); // a's later delivery still waits behind its first
        Assert.Equal(now.AddMinutes(5), heads[0].NextAttemptAt);
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(directory, recursive: true); } catch (IOException) { }
    }
}
