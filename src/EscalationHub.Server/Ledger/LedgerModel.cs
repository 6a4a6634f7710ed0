using Microsoft.EntityFrameworkCore;

namespace EscalationHub.Server.Ledger;

/// <summary>The ledger's tables in the hub's store. Append-only: see <see cref="LedgerSchema"/> for the triggers.</summary>
internal static class LedgerModel
{
    public static void Configure(ModelBuilder model)
    {
        model.Entity<LedgerEntryRecord>(e =>
        {
            e.ToTable(LedgerSchema.Entries);
            e.HasKey(x => x.Sequence);
            e.Property(x => x.Sequence).ValueGeneratedNever();
            // A child file's entries in log order, without a scan of the whole log.
            e.HasIndex(x => new { x.ChildFileId, x.Sequence });
        });
        model.Entity<LedgerNodeRecord>(e =>
        {
            e.ToTable(LedgerSchema.Nodes);
            e.HasKey(x => new { x.Level, x.Idx });
            e.Property(x => x.Idx).ValueGeneratedNever();
        });
        model.Entity<LedgerTreeHeadRecord>(e =>
        {
            e.ToTable(LedgerSchema.TreeHeads);
            e.HasKey(x => x.TreeSize);
            e.Property(x => x.TreeSize).ValueGeneratedNever();
        });
        model.Entity<AgencyKeyRecord>(e =>
        {
            e.ToTable(LedgerSchema.AgencyKeys);
            e.HasKey(x => new { x.AgencyCode, x.KeyId });
        });
    }
}
