using EscalationHub.Server.Concerns;
using EscalationHub.Server.Messaging;
using EscalationHub.Server.Operations;
using Microsoft.EntityFrameworkCore;

namespace EscalationHub.Server.Store;

public sealed class HubDbContext(DbContextOptions<HubDbContext> options) : DbContext(options)
{
    public DbSet<ChildFile> ChildFiles => Set<ChildFile>();
    public DbSet<Concern> Concerns => Set<Concern>();
    public DbSet<ConcernStatusChange> ConcernStatusChanges => Set<ConcernStatusChange>();
    public DbSet<OutboxMessage> Outbox => Set<OutboxMessage>();
    public DbSet<InboxMessage> Inbox => Set<InboxMessage>();
    public DbSet<FlowEvent> FlowEvents => Set<FlowEvent>();
    public DbSet<DeadLetter> DeadLetters => Set<DeadLetter>();
    public DbSet<Redrive> Redrives => Set<Redrive>();
    public DbSet<AdapterStatus> AdapterStatuses => Set<AdapterStatus>();

    protected override void OnModelCreating(ModelBuilder model)
    {
        model.Entity<ChildFile>(e =>
        {
            e.HasKey(c => c.Id);
            // One file per child known by NHS number; children without one get a file per concern.
            e.HasIndex(c => c.NhsNumber).IsUnique().HasFilter("NhsNumber IS NOT NULL");
        });

        model.Entity<Concern>(e =>
        {
            e.HasKey(c => c.Id);
            e.HasIndex(c => c.Reference).IsUnique();
            // A retried RaiseConcern finds the first one by this key; the unique index settles races.
            e.HasIndex(c => new { c.RaisedByAgency, c.IdempotencyKey }).IsUnique();
            e.HasIndex(c => c.ChildFileId);
            e.Property(c => c.Category).HasConversion<string>();
            e.Property(c => c.HarmLevel).HasConversion<string>();
            e.Property(c => c.Status).HasConversion<string>();
            e.Property(c => c.Decision).HasConversion<string>();
        });

        model.Entity<ConcernStatusChange>(e =>
        {
            e.HasKey(c => new { c.ConcernId, c.Sequence });
            e.Property(c => c.Status).HasConversion<string>();
            e.Property(c => c.Decision).HasConversion<string>();
        });

        model.Entity<OutboxMessage>(e =>
        {
            e.HasKey(o => o.Sequence);
            e.Property(o => o.Sequence).ValueGeneratedOnAdd();
            e.HasIndex(o => o.MessageId).IsUnique();
            // The dispatcher's query reads only the unsent rows: cost stays flat as history grows.
            e.HasIndex(o => o.Sequence).HasFilter("SentAt IS NULL").HasDatabaseName("IX_Outbox_Unsent");
        });

        model.Entity<InboxMessage>(e => e.HasKey(i => i.MessageId));
        OperationsModel.Configure(model);

        // SQLite cannot order by DateTimeOffset; store instants as UTC ticks, which sort and compare correctly.
        foreach (var entity in model.Model.GetEntityTypes())
        foreach (var property in entity.GetProperties())
        {
            if (property.ClrType == typeof(DateTimeOffset))
                property.SetValueConverter(UtcTicks);
            else if (property.ClrType == typeof(DateTimeOffset?))
                property.SetValueConverter(NullableUtcTicks);
        }
    }

    private static readonly Microsoft.EntityFrameworkCore.Storage.ValueConversion.ValueConverter<DateTimeOffset, long> UtcTicks =
        new(v => v.UtcTicks, v => new DateTimeOffset(v, TimeSpan.Zero));

    private static readonly Microsoft.EntityFrameworkCore.Storage.ValueConversion.ValueConverter<DateTimeOffset?, long?> NullableUtcTicks =
        new(v => v.HasValue ? v.Value.UtcTicks : null, v => v.HasValue ? new DateTimeOffset(v.Value, TimeSpan.Zero) : null);
}
