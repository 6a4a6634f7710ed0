using EscalationHub.Testing;
using System.Data.Common;
using EscalationHub.Contracts.Messages;
using EscalationHub.Server.Concerns;
using EscalationHub.Server.Disagreements;
using EscalationHub.Server.Ledger;
using EscalationHub.Server.Messaging;
using EscalationHub.Server.Operations;
using EscalationHub.Server.Store;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace EscalationHub.StoreAcceptance.Tests;

/// <summary>
/// What the hub's store must do, whichever database holds it: each backend runs this same suite
/// (<see cref="SqliteStoreAcceptanceTests"/>, <see cref="PostgresStoreAcceptanceTests"/>).
/// </summary>
public abstract class StoreAcceptanceTests : IAsyncLifetime
{
    protected string Directory { get; } = Path.Combine(Path.GetTempPath(), $"eh-acceptance-{Guid.NewGuid():N}");

    protected HubStore Hub { get; private set; } = null!;

    /// <summary>The <c>Store:*</c> (and connection string) settings that select and locate this backend's store.</summary>
    protected abstract Task<Dictionary<string, string?>> StoreSettingsAsync();

    public async Task InitializeAsync()
    {
        System.IO.Directory.CreateDirectory(Directory);
        Hub = await HubStore.StartAsync(await StoreSettingsAsync());
    }

    public virtual async Task DisposeAsync()
    {
        await Hub.DisposeAsync();
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public async Task A_concern_raised_again_with_its_idempotency_key_is_stored_once_with_one_set_of_messages_and_one_ledger_entry()
    {
        var first = await Hub.RaiseConcernAsync("retry-me", "9434765919");
        var again = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => Hub.RaiseConcernAsync("retry-me", "9434765919")));

        Assert.True(first.Created);
        Assert.All(again, r => Assert.False(r.Created));
        Assert.All(again, r => Assert.Equal(first.Concern.Reference, r.Concern.Reference));
        Assert.Equal(1, await Hub.QueryAsync(db => db.Concerns.CountAsync()));
        Assert.Equal(1, await Hub.QueryAsync(db => db.Outbox.CountAsync())); // ConcernRaised to social care (the RPC's answer is its response)
        Assert.Equal(1, await Hub.QueryAsync(db => db.LedgerEntries.CountAsync(e => e.EntryType == "concern.raised")));
    }

    [Fact]
    public async Task Concurrent_commands_each_reach_the_ledger_once_in_one_gapless_order_and_the_log_verifies_against_every_signed_head()
    {
        var raised = await Task.WhenAll(Enumerable.Range(0, 120).Select(i => Hub.RaiseConcernAsync($"key-{i}")));

        Assert.All(raised, r => Assert.True(r.Created));
        var (result, sequences) = await Hub.VerifyLedgerAsync();
        Assert.True(result.IsValid, result.ToString());
        Assert.Equal(Enumerable.Range(0, sequences.Count).Select(i => (long)i), sequences);
        var perConcern = await Hub.QueryAsync(db => db.LedgerEntries.Where(e => e.EntryType == "concern.raised")
            .GroupBy(e => e.CaseId).Select(g => g.Count()).ToListAsync());
        Assert.Equal(120, perConcern.Count);
        Assert.All(perConcern, n => Assert.Equal(1, n));
        Assert.Equal(120, await Hub.QueryAsync(db => db.Outbox.CountAsync())); // a ConcernRaised each
    }

    [Fact]
    public async Task A_failing_command_rolls_back_alone_while_the_commands_committed_with_it_keep_their_changes()
    {
        var running = new TaskCompletionSource();
        var gate = new TaskCompletionSource();
        var holding = Hub.RunAsync(async (_, _) =>
        {
            running.SetResult();
            await gate.Task;
            return 0;
        });
        await running.Task;

        var before = Hub.RaiseConcernAsync("ok-before");
        var failing = Hub.RunAsync<int>(async (sp, ct) =>
        {
            var db = sp.GetRequiredService<HubDbContext>();
            db.ChildFiles.Add(new ChildFile { Id = "CF-FAILED01", GivenName = "A", FamilyName = "B" });
            await db.SaveChangesAsync(ct);
            sp.GetRequiredService<LedgerWriter>().Append("CF-FAILED01", null, "test.failed", "uhl-health", "Nurse", DateTimeOffset.UtcNow, new { n = 1 });
            throw new InvalidOperationException("the command fails after saving and staging");
        });
        var duplicate = Hub.RunAsync<int>(async (sp, ct) =>
        {
            // A statement the database itself refuses (a second row with the same key) fails this command only.
            var db = sp.GetRequiredService<HubDbContext>();
            db.ChildFiles.Add(new ChildFile { Id = "CF-TWICE001", GivenName = "A", FamilyName = "B" });
            await db.SaveChangesAsync(ct);
            await db.Database.ExecuteSqlRawAsync("INSERT INTO \"ChildFiles\" (\"Id\", \"GivenName\", \"FamilyName\") VALUES ('CF-TWICE001', 'A', 'B')", ct);
            return 0;
        });
        var after = Hub.RaiseConcernAsync("ok-after");
        gate.SetResult();
        await holding;

        await Assert.ThrowsAsync<InvalidOperationException>(() => failing);
        await Assert.ThrowsAnyAsync<DbException>(() => duplicate);
        var raised = await Task.WhenAll(before, after);
        Assert.All(raised, r => Assert.True(r.Created));
        Assert.Equal(0, await Hub.QueryAsync(db => db.ChildFiles.CountAsync(c => c.Id == "CF-FAILED01" || c.Id == "CF-TWICE001")));
        Assert.Equal(0, await Hub.QueryAsync(db => db.LedgerEntries.CountAsync(e => e.ChildFileId == "CF-FAILED01")));
        Assert.Equal(2, await Hub.QueryAsync(db => db.LedgerEntries.CountAsync(e => e.EntryType == "concern.raised")));
        Assert.Equal(2, await Hub.QueryAsync(db => db.Outbox.CountAsync())); // a ConcernRaised each
        Assert.True((await Hub.VerifyLedgerAsync()).Result.IsValid);
    }

    [Fact]
    public async Task Batch_after_batch_a_refused_command_rolls_back_alone_on_the_same_writer_connection_and_its_neighbours_commit()
    {
        var connections = new List<DbConnection>();
        for (var round = 0; round < 3; round++)
        {
            var (release, holding) = await HoldTheWriterAsync();
            var before = Hub.RaiseConcernAsync($"before-{round}");
            var id = $"CF-TWICE{round:D3}";
            var duplicate = Hub.RunAsync<int>(async (sp, ct) =>
            {
                var db = sp.GetRequiredService<HubDbContext>();
                db.ChildFiles.Add(new ChildFile { Id = id, GivenName = "A", FamilyName = "B" });
                await db.SaveChangesAsync(ct);
                connections.Add(db.Database.GetDbConnection());
                db.Enqueue("never-sent", new AdapterHeartbeat("uhl-health", "1", DateTimeOffset.UtcNow, TimeSpan.FromSeconds(10)), DateTimeOffset.UtcNow);
                await db.Database.ExecuteSqlAsync($"INSERT INTO \"ChildFiles\" (\"Id\", \"GivenName\", \"FamilyName\") VALUES ({id}, 'A', 'B')", ct);
                return 0;
            });
            var after = Hub.RaiseConcernAsync($"after-{round}");
            release();
            await holding;

            await Assert.ThrowsAnyAsync<DbException>(() => duplicate);
            Assert.All(await Task.WhenAll(before, after), r => Assert.True(r.Created));
        }

        Assert.Single(connections.Distinct()); // the writer kept its connection (and what it prepared on it) through the failures
        Assert.Equal(0, await Hub.QueryAsync(db => db.ChildFiles.CountAsync(c => c.Id.StartsWith("CF-TWICE"))));
        Assert.Equal(0, await Hub.QueryAsync(db => db.Outbox.CountAsync(o => o.Destination == "never-sent")));
        Assert.Equal(0, await Hub.QueryAsync(db => db.FlowEvents.CountAsync(f => f.MessageType == nameof(AdapterHeartbeat) && f.FromAgency == FlowEvent.Hub)));
        Assert.Equal(6, await Hub.QueryAsync(db => db.LedgerEntries.CountAsync(e => e.EntryType == "concern.raised")));
        var (result, sequences) = await Hub.VerifyLedgerAsync();
        Assert.True(result.IsValid, result.ToString());
        Assert.Equal(Enumerable.Range(0, sequences.Count).Select(i => (long)i), sequences);
    }

    [Fact]
    public async Task When_the_writers_connection_breaks_mid_batch_the_whole_batch_fails_and_the_next_commands_commit_on_a_new_connection()
    {
        await Hub.RaiseConcernAsync("earlier");
        var (release, holding) = await HoldTheWriterAsync();
        var sameBatch = Hub.RaiseConcernAsync("same-batch");
        var breaking = Hub.RunAsync<int>(async (sp, ct) =>
        {
            await BreakTheConnectionAsync(sp.GetRequiredService<HubDbContext>(), ct);
            return 0;
        });
        release();
        await holding;

        await Assert.ThrowsAnyAsync<Exception>(() => breaking);
        await Assert.ThrowsAnyAsync<Exception>(() => sameBatch); // nothing of a failed batch is half-applied
        Assert.True((await Hub.RaiseConcernAsync("same-batch")).Created); // the retry, on the writer's new connection
        Assert.True((await Hub.RaiseConcernAsync("later")).Created);
        Assert.Equal(3, await Hub.QueryAsync(db => db.Concerns.CountAsync()));
        Assert.Equal(3, await Hub.QueryAsync(db => db.LedgerEntries.CountAsync(e => e.EntryType == "concern.raised")));
        var (result, sequences) = await Hub.VerifyLedgerAsync();
        Assert.True(result.IsValid, result.ToString());
        Assert.Equal(Enumerable.Range(0, sequences.Count).Select(i => (long)i), sequences);
    }

    [Fact]
    public async Task Rows_the_writer_inserts_itself_read_back_through_the_store_as_they_were_given()
    {
        var messageId = Guid.CreateVersion7();
        var at = new DateTimeOffset(2026, 12, 4, 20, 0, 0, TimeSpan.Zero);
        await Hub.RunAsync<int>((sp, _) =>
        {
            var db = sp.GetRequiredService<HubDbContext>();
            db.Insert(new InboxMessage { MessageId = messageId, MessageType = "test.applied", ProcessedAt = at });
            db.Enqueue("agency.uhl-health", new AdapterHeartbeat("uhl-health", "1", at, TimeSpan.FromSeconds(10)), at);
            return Task.FromResult(0);
        });

        var inbox = await Hub.QueryAsync(db => db.Inbox.AsNoTracking().SingleOrDefaultAsync(i => i.MessageId == messageId));
        Assert.NotNull(inbox); // found by its id: the redelivery of this message would be recognised
        Assert.Equal(("test.applied", at), (inbox.MessageType, inbox.ProcessedAt));
        var outbox = await Hub.QueryAsync(db => db.Outbox.AsNoTracking().SingleAsync(o => o.Destination == "agency.uhl-health"));
        Assert.Equal(at, outbox.CreatedAt);
        Assert.Null(outbox.SentAt);
        var flow = await Hub.QueryAsync(db => db.FlowEvents.AsNoTracking().SingleAsync(f => f.MessageId == outbox.MessageId));
        Assert.Equal((FlowStatus.Queued, at), (flow.Status, flow.RecordedAt));
    }

    /// <summary>Breaks the writer's connection from inside a command, the way the engine would lose it.</summary>
    protected abstract Task BreakTheConnectionAsync(HubDbContext db, CancellationToken ct);

    /// <summary>Occupies the writer with a command that waits, so the commands queued meanwhile share the next batch.</summary>
    private async Task<(Action Release, Task Holding)> HoldTheWriterAsync()
    {
        var running = new TaskCompletionSource();
        var gate = new TaskCompletionSource();
        var holding = Hub.RunAsync(async (_, _) =>
        {
            running.SetResult();
            await gate.Task;
            return 0;
        });
        await running.Task;
        return (gate.SetResult, holding);
    }

    [Theory]
    [InlineData("UPDATE \"LedgerEntries\" SET \"EntryType\" = 'concern.withdrawn'")]
    [InlineData("DELETE FROM \"LedgerEntries\"")]
    [InlineData("UPDATE \"LedgerNodes\" SET \"Hash\" = \"Hash\"")]
    [InlineData("DELETE FROM \"LedgerTreeHeads\"")]
    public async Task The_database_itself_refuses_to_change_or_remove_a_ledger_row(string sql)
    {
        await Hub.RaiseConcernAsync("on-the-record");

        var refused = await Assert.ThrowsAnyAsync<DbException>(() => Hub.ExecuteSqlAsync(sql));

        Assert.Contains("append-only", refused.Message);
        Assert.True((await Hub.VerifyLedgerAsync()).Result.IsValid);
    }

    [Fact]
    public async Task A_passed_stage_deadline_is_fired_once_however_many_schedulers_look_at_it()
    {
        var id = await Hub.OpenDisagreementAsync("late-1");
        var due = new DateTimeOffset(2027, 1, 18, 17, 0, 0, TimeSpan.Zero); // North Wales stage 1: 10 working days
        var schedulers = new[] { Hub.NewScheduler(), Hub.NewScheduler(), Hub.NewScheduler() };

        Hub.Clock.SetUtcNow(due);
        await Task.WhenAll(schedulers.Select(s => s.RunOnceAsync(CancellationToken.None)));
        Assert.Equal(1, await StageAsync(id)); // due at 17:00 is still in time at 17:00

        Hub.Clock.SetUtcNow(due.AddMinutes(1));
        await Task.WhenAll(schedulers.Select(s => s.RunOnceAsync(CancellationToken.None)));
        await Task.WhenAll(schedulers.Select(s => s.RunOnceAsync(CancellationToken.None)));

        Assert.Equal(2, await StageAsync(id));
        Assert.Equal(1, await Hub.QueryAsync(db => db.DisagreementEvents.CountAsync(e => e.DisagreementId == id && e.Type == "escalated")));
        Assert.Equal(1, await Hub.QueryAsync(db => db.LedgerEntries.CountAsync(e => e.CaseId == id && e.EntryType.Contains("escalated"))));
        Assert.True((await Hub.VerifyLedgerAsync()).Result.IsValid);
    }

    [Fact]
    public async Task Committed_messages_are_sent_once_each_oldest_first_and_marked_sent()
    {
        foreach (var i in Enumerable.Range(0, 15)) await Hub.RaiseConcernAsync($"send-{i}");
        var dispatcher = await Hub.StartDispatcherAsync();
        try
        {
            await Eventually(async () => await Hub.QueryAsync(db => OutboxDispatcher.Unsent(db, 100).CountAsync()) == 0 && Hub.Delivered.Count >= 15);
        }
        finally
        {
            await dispatcher.StopAsync(CancellationToken.None);
        }

        var rows = await Hub.QueryAsync(db => db.Outbox.AsNoTracking().OrderBy(o => o.Sequence).ToListAsync());
        Assert.All(rows, r => Assert.NotNull(r.SentAt));
        Assert.Equal(rows.Select(r => r.MessageId).Order(), Hub.Delivered.Select(d => d.MessageId).Order());
        // Oldest first, per destination queue.
        foreach (var queue in rows.Select(r => r.Destination).Distinct())
            Assert.Equal(rows.Where(r => r.Destination == queue).Select(r => r.MessageId), Hub.Delivered.Where(d => d.Queue == queue).Select(d => d.MessageId));
    }

    [Fact]
    public async Task The_operators_views_of_flow_deadlines_and_the_partnership_report_read_the_store()
    {
        var id = await Hub.OpenDisagreementAsync("reported"); // raises a concern about the child first
        Hub.Clock.SetUtcNow(new DateTimeOffset(2027, 1, 18, 17, 1, 0, TimeSpan.Zero)); // the stage 1 deadline has passed
        await using var scope = Hub.Services.CreateAsyncScope();
        var services = scope.ServiceProvider;

        var flow = await services.GetRequiredService<FlowQueries>().ListAsync(new FlowFilter(Agency: "leics-socialcare"), 100, CancellationToken.None);
        var statistics = await services.GetRequiredService<GetFlowStatistics>().HandleAsync(TimeSpan.FromDays(31), CancellationToken.None);
        var overdue = await services.GetRequiredService<ListOverdueStages>().HandleAsync(TimeSpan.FromDays(1), CancellationToken.None);
        var report = await services.GetRequiredService<BuildPartnershipReport>().HandleAsync(HubStore.Start.AddDays(-1), HubStore.Start.AddDays(1), CancellationToken.None);

        Assert.Contains(flow, f => f.MessageType.EndsWith("ConcernRaised"));
        Assert.NotEmpty(statistics.Rows);
        Assert.Contains(overdue, o => o.Overdue && o.Stage.CaseReference == id);
        Assert.Equal(2, report.Cases); // the concern and the disagreement about the same child
    }

    private Task<int?> StageAsync(string id) => Hub.QueryAsync(db => db.Disagreements.Where(d => d.Id == id).Select(d => (int?)d.CurrentStage).SingleAsync());

    protected static async Task Eventually(Func<Task<bool>> condition)
    {
        var until = DateTime.UtcNow.AddSeconds(60);
        while (!await condition())
        {
            if (DateTime.UtcNow > until) throw new TimeoutException("the condition did not hold within 60 s");
            await Task.Delay(50);
        }
    }
}

public sealed class SqliteStoreAcceptanceTests : StoreAcceptanceTests
{
    protected override Task<Dictionary<string, string?>> StoreSettingsAsync() =>
        Task.FromResult(new Dictionary<string, string?> { ["Store:Path"] = Path.Combine(Directory, "hub.db") });

    protected override Task BreakTheConnectionAsync(HubDbContext db, CancellationToken ct)
    {
        db.Database.GetDbConnection().Close(); // an in-process engine: closing is how its connection is lost
        return Task.CompletedTask;
    }
}

public sealed class PostgresStoreAcceptanceTests(PostgresServerFixture postgres) : StoreAcceptanceTests, IClassFixture<PostgresServerFixture>
{
    protected override async Task<Dictionary<string, string?>> StoreSettingsAsync() => new()
    {
        ["Store:Path"] = Path.Combine(Directory, "hub.db"), // the folder of the signing key
        ["Store:Provider"] = "PostgreSQL",
        ["ConnectionStrings:Hub"] = await postgres.Server.CreateDatabaseAsync(),
    };

    protected override Task BreakTheConnectionAsync(HubDbContext db, CancellationToken ct) =>
        db.Database.ExecuteSqlRawAsync("SELECT pg_terminate_backend(pg_backend_pid())", ct); // the server ends the session
}
