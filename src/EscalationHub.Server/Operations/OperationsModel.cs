using EscalationHub.Server.Concerns;
using Microsoft.EntityFrameworkCore;

namespace EscalationHub.Server.Operations;

/// <summary>The operations tables and the indexes their queries use, so cost stays flat as history grows.</summary>
internal static class OperationsModel
{
    public static void Configure(ModelBuilder model)
    {
        model.Entity<FlowEvent>(e =>
        {
            e.HasKey(f => f.Id);
            e.Property(f => f.Id).ValueGeneratedOnAdd();
            e.HasIndex(f => f.MessageId).IsUnique();
            e.HasIndex(f => f.RecordedAt);          // time windows, statistics, retention purge
            e.HasIndex(f => f.UpdatedAt);           // live watchers
            e.HasIndex(f => new { f.FromAgency, f.RecordedAt });
            e.HasIndex(f => new { f.ToAgency, f.RecordedAt });
            e.HasIndex(f => new { f.MessageType, f.RecordedAt });
            e.HasIndex(f => new { f.Status, f.RecordedAt });
            e.Property(f => f.Status).HasConversion<string>().HasMaxLength(20);
            e.Property(f => f.MessageType).HasMaxLength(100);
            e.Property(f => f.FromAgency).HasMaxLength(100);
            e.Property(f => f.ToAgency).HasMaxLength(100);
        });

        model.Entity<DeadLetter>(e =>
        {
            e.HasKey(d => d.Id);
            e.HasIndex(d => new { d.RedrivenAt, d.FailedAt });
            e.HasIndex(d => d.MessageId);
        });

        model.Entity<Redrive>(e =>
        {
            e.HasKey(r => r.Id);
            e.Property(r => r.Id).ValueGeneratedOnAdd();
            e.HasIndex(r => r.DeadLetterId);
        });

        model.Entity<AdapterStatus>(e => e.HasKey(a => a.AgencyCode));

        // Open concerns by age: the overdue query reads only concerns not yet decided.
        model.Entity<Concern>().HasIndex(c => new { c.Status, c.RaisedAt });
        // The partnership's report reads a period of cases by when they were opened.
        model.Entity<Concern>().HasIndex(c => c.RaisedAt);
        model.Entity<Disagreements.DisagreementRow>().HasIndex(d => d.OpenedAt);
    }
}
