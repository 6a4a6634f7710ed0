using EscalationHub.Ledger;
using EscalationHub.Server.Concerns;
using EscalationHub.Server.Ledger;
using EscalationHub.Server.Store;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace EscalationHub.LedgerStore.Tests;

public sealed class GroupCommitTests : IAsyncLifetime
{
    private TestStore store = null!;

    public async Task InitializeAsync() => store = await TestStore.StartAsync();

    public async Task DisposeAsync() => await store.DisposeAsync();

    [Fact]
    public async Task Commands_queued_while_a_commit_is_in_progress_share_the_next_transaction_and_its_one_signed_tree_head()
    {
        var running = new TaskCompletionSource();
        var gate = new TaskCompletionSource();
        var first = store.RunAsync(async (sp, _) =>
        {
            sp.GetRequiredService<LedgerWriter>().Append("CF-FIRST001", null, "test.first", "uhl-health", "Nurse", DateTimeOffset.UtcNow, new { n = 0 });
            running.SetResult();
            await gate.Task;
            return 0;
        });
        await running.Task;

        var queued = Enumerable.Range(1, 50).Select(i => store.AppendAsync($"CF-QUEUE{i:D3}")).ToList();
        gate.SetResult();
        await first;
        var sequences = await Task.WhenAll(queued);

        Assert.Equal([1L, 51L], store.Heads().Select(h => h.TreeSize));
        Assert.Equal(Enumerable.Range(1, 50).Select(i => (long)i), sequences.Order());
        Assert.True(store.Verify().IsValid);
    }

    [Fact]
    public async Task A_failing_command_rolls_back_alone_and_the_others_in_its_batch_commit()
    {
        var running = new TaskCompletionSource();
        var gate = new TaskCompletionSource();
        var first = store.RunAsync(async (_, _) =>
        {
            running.SetResult();
            await gate.Task;
            return 0;
        });
        await running.Task;

        var before = store.RaiseConcernAsync("ok-before");
        var failing = store.RunAsync<int>(async (sp, ct) =>
        {
            var db = sp.GetRequiredService<HubDbContext>();
            db.ChildFiles.Add(new ChildFile { Id = "CF-FAILED01", GivenName = "A", FamilyName = "B" });
            await db.SaveChangesAsync(ct);
            sp.GetRequiredService<LedgerWriter>().Append("CF-FAILED01", null, "test.failed", "uhl-health", "Nurse", DateTimeOffset.UtcNow, new { n = 1 });
            throw new InvalidOperationException("the command fails after saving and staging");
        });
        var after = store.RaiseConcernAsync("ok-after");
        gate.SetResult();
        await first;

        await Assert.ThrowsAsync<InvalidOperationException>(() => failing);
        var raised = await Task.WhenAll(before, after);
        Assert.Equal(0, store.Scalar("SELECT COUNT(*) FROM ChildFiles WHERE Id = 'CF-FAILED01'"));
        Assert.Equal(0, store.Scalar("SELECT COUNT(*) FROM LedgerEntries WHERE ChildFileId = 'CF-FAILED01'"));
        Assert.Equal(2, store.Scalar("SELECT COUNT(*) FROM LedgerEntries WHERE EntryType = 'concern.raised'"));
        Assert.Equal(2, store.Scalar("SELECT COUNT(*) FROM Outbox")); // a ConcernRaised for each
        Assert.All(raised, r => Assert.True(r.Created));
        Assert.True(store.Verify().IsValid);
    }

    [Fact]
    public async Task A_context_the_caller_made_before_its_unit_of_work_commits_in_the_batch_with_the_ledger_entry()
    {
        // As a bus consumer does: its handlers (and their context) exist before the unit of work runs.
        await using var scope = store.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<HubDbContext>();
        var ledger = scope.ServiceProvider.GetRequiredService<LedgerWriter>();
        var unit = scope.ServiceProvider.GetRequiredService<HubUnitOfWork>();

        var staged = await unit.ExecuteAsync(async ct =>
        {
            db.ChildFiles.Add(new ChildFile { Id = "CF-EARLY001", GivenName = "A", FamilyName = "B" });
            await db.SaveChangesAsync(ct);
            return ledger.Append("CF-EARLY001", null, "test.early", "uhl-health", "Nurse", DateTimeOffset.UtcNow, new { n = 1 });
        }, CancellationToken.None);
        var afterwards = await db.ChildFiles.AsNoTracking().CountAsync(f => f.Id == "CF-EARLY001");

        Assert.Equal(0, staged.Sequence);
        Assert.Equal(1, afterwards); // the context is usable again after the unit, on its own connection
        Assert.Equal(1, store.Scalar("SELECT COUNT(*) FROM ChildFiles WHERE Id = 'CF-EARLY001'"));
        Assert.Equal([1L], store.Heads().Select(h => h.TreeSize));
    }

    [Fact]
    public async Task Many_concurrent_RaiseConcern_commands_all_reach_the_ledger_in_order_with_a_valid_tree()
    {
        const int count = 300;
        var raised = await Task.WhenAll(Enumerable.Range(0, count).Select(i => Task.Run(() => store.RaiseConcernAsync($"ice-{i}"))));

        await using var scope = store.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<HubDbContext>();
        var entries = await db.LedgerEntries.AsNoTracking().OrderBy(e => e.Sequence).ToListAsync();
        Assert.Equal(Enumerable.Range(0, count).Select(i => (long)i), entries.Select(e => e.Sequence));
        Assert.Equal(raised.Select(r => r.Concern.Id.ToString()).Order(), entries.Select(e => e.CaseId!).Order());
        Assert.All(entries, e =>
        {
            var entry = LedgerEntry.Parse(e.EntryBytes);
            Assert.Equal("concern.raised", entry.EntryType);
            Assert.Equal(e.ChildFileId, entry.ChildFileId);
        });
        // Each concern's entry sits in the same commit as the concern and its outbox messages.
        Assert.Equal(count, await db.Concerns.CountAsync());
        Assert.Equal(count, await db.Outbox.CountAsync()); // a ConcernRaised each
        var verified = store.Verify();
        Assert.True(verified.IsValid, verified.ToString());
        Assert.Equal(count, verified.TreeSize);
    }

    [Fact]
    public async Task A_concern_entry_says_what_happened_without_the_childs_identity_or_free_text()
    {
        var raised = await store.RaiseConcernAsync("ice-privacy", nhsNumber: "9434765919");

        var entry = LedgerEntry.Parse(store.Entries().Single().Bytes);
        var payload = System.Text.Encoding.UTF8.GetString(entry.Payload.Span);

        Assert.Equal(raised.ChildFile.Id, entry.ChildFileId);
        Assert.Equal(raised.Concern.Id.ToString(), entry.CaseId);
        Assert.Equal(("uhl-health", "Paediatric registrar"), (entry.AuthorAgencyCode, entry.AuthorRole));
        Assert.StartsWith("{\"addressedTo\":\"leics-socialcare\",\"category\":\"PhysicalAbuse\",\"detailsSha256\":\"", payload);
        Assert.DoesNotContain("Amelia", payload);
        Assert.DoesNotContain("9434765919", payload);
        Assert.DoesNotContain("Bruising", payload);
    }
}
