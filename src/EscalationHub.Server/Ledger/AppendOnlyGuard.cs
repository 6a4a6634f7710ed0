using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace EscalationHub.Server.Ledger;

/// <summary>Refuses, before anything reaches the database, a unit of work that would update or delete a ledger row.</summary>
public sealed class AppendOnlyGuard : SaveChangesInterceptor
{
    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        Check(eventData.Context);
        return result;
    }

    public override ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Check(eventData.Context);
        return ValueTask.FromResult(result);
    }

    private static void Check(DbContext? context)
    {
        if (context is null) return;
        foreach (var entry in context.ChangeTracker.Entries())
        {
            if (entry.State is not (EntityState.Modified or EntityState.Deleted)) continue;
            if (entry.Entity is LedgerEntryRecord or LedgerNodeRecord or LedgerTreeHeadRecord or AgencyKeyRecord)
                throw new InvalidOperationException($"{entry.Metadata.GetTableName()} is append-only: a {entry.State.ToString().ToLowerInvariant()} row is refused");
        }
    }
}
