using EscalationHub.Server.Disagreements;
using EscalationHub.Server.Messaging;
using EscalationHub.Server.Store;
using Microsoft.EntityFrameworkCore;

namespace EscalationHub.Server.Tests;

/// <summary>Cost stays flat as history grows: the hot queries are index seeks, never a scan of every case or message.
/// Checked with SQLite's own EXPLAIN QUERY PLAN on the SQL EF Core generates.</summary>
public sealed class QueryPlanTests : IDisposable
{
    private readonly SqliteStore store = new();

    public void Dispose() => store.Dispose();

    [Fact]
    public void Finding_due_deadlines_seeks_the_partial_deadline_index()
    {
        using var db = store.NewContext();
        var plan = Plan(db, DeadlineScheduler.DueForEscalation(db, DateTimeOffset.UtcNow));
        Assert.Contains("IX_Disagreements_AutoEscalateAt", plan);
        Assert.DoesNotContain("SCAN Disagreements", plan.Replace("\"", ""));
    }

    [Fact]
    public void Finding_due_warnings_seeks_the_partial_warning_index()
    {
        using var db = store.NewContext();
        var plan = Plan(db, DeadlineScheduler.DueForWarning(db, DateTimeOffset.UtcNow));
        Assert.Contains("IX_Disagreements_WarnAt", plan);
    }

    [Fact]
    public void Finding_unsent_outbox_messages_seeks_the_unsent_index()
    {
        using var db = store.NewContext();
        var plan = Plan(db, OutboxDispatcher.Unsent(db, 100));
        Assert.Contains("IX_Outbox_Unsent", plan);
    }

    [Fact]
    public void Listing_the_reads_of_a_child_file_seeks_the_child_file_index()
    {
        using var db = store.NewContext();
        var plan = Plan(db, Ledger.ChildFileReadAudit.EntriesOf(db, "CF-4KQ7ZP2M").Select(e => e.EntryBytes));
        Assert.Contains("IX_LedgerEntries_ChildFileId_Sequence", plan);
        Assert.DoesNotContain("SCAN LedgerEntries", plan.Replace("\"", ""));
    }

    private static string Plan<T>(HubDbContext db, IQueryable<T> query)
    {
        using var command = query.CreateDbCommand();
        command.CommandText = "EXPLAIN QUERY PLAN " + command.CommandText;
        db.Database.OpenConnection();
        command.Connection = db.Database.GetDbConnection();
        using var reader = command.ExecuteReader();
        var lines = new List<string>();
        while (reader.Read()) lines.Add(reader.GetString(3));
        return string.Join("\n", lines);
    }
}
