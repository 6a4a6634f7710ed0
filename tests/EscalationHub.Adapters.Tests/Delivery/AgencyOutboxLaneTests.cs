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

    [Fact]
    public async Task Finding_the_lane_heads_reads_the_undelivered_deliveries_only_however_many_were_delivered_before()
    {
        for (var i = 0; i < 50; i++)
        {
            var id = await AddAsync(Guid.NewGuid(), "concern.raised");
            await outbox.MarkDeliveredAsync((await outbox.LaneHeadsAsync(1)).Single(h => h.Id == id).Sequence, now);
        }
        var waiting = await AddAsync(Guid.NewGuid(), "concern.raised");

        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(directory, "adapter.db")}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "EXPLAIN QUERY PLAN " + AgencyOutbox.LaneHeadsQuery;
        command.Parameters.AddWithValue("$lanes", 8);
        var plan = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync())
            while (await reader.ReadAsync()) plan.Add(reader.GetString(3));

        Assert.Contains("SCAN deliveries USING INDEX ix_deliveries_undelivered", plan);
        Assert.DoesNotContain(plan, step => step.Contains("ix_deliveries_concern"));
        Assert.Equal([waiting], (await outbox.LaneHeadsAsync(8)).Select(h => h.Id));
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(directory, recursive: true); } catch (IOException) { }
    }
}
