using EscalationHub.Server.Concerns;
using EscalationHub.Server.Disagreements;
using EscalationHub.Server.Ledger;
using EscalationHub.Server.Messaging;
using EscalationHub.Server.Operations;
using Microsoft.EntityFrameworkCore;

namespace EscalationHub.Server.Store;

/// <summary>The hub's store. SQLite's migrations are made for this type; PostgreSQL has its own subclass
/// (<see cref="Postgres.PostgresHubDbContext"/>) so that each provider keeps its own migrations.</summary>
public class HubDbContext : DbContext
{
    public HubDbContext(DbContextOptions<HubDbContext> options) : base(options) { }

    protected HubDbContext(DbContextOptions options) : base(options) { }

    /// <summary>The group commit's connection while this context runs a command on it (<see cref="WriterRows"/>).</summary>
    internal WriterConnection? Writer { get; set; }

    public DbSet<ChildFile> ChildFiles => Set<ChildFile>();
    public DbSet<Concern> Concerns => Set<Concern>();
    public DbSet<ConcernStatusChange> ConcernStatusChanges => Set<ConcernStatusChange>();
    public DbSet<OutboxMessage> Outbox => Set<OutboxMessage>();
    public DbSet<InboxMessage> Inbox => Set<InboxMessage>();
    public DbSet<FlowEvent> FlowEvents => Set<FlowEvent>();
    public DbSet<DeadLetter> DeadLetters => Set<DeadLetter>();
    public DbSet<Redrive> Redrives => Set<Redrive>();
    public DbSet<AdapterStatus> AdapterStatuses => Set<AdapterStatus>();
    public DbSet<DisagreementRow> Disagreements => Set<DisagreementRow>();
    public DbSet<DisagreementParty> DisagreementParties => Set<DisagreementParty>();
    public DbSet<DisagreementChildFile> DisagreementChildFiles => Set<DisagreementChildFile>();
    public DbSet<DisagreementEventRow> DisagreementEvents => Set<DisagreementEventRow>();
    public DbSet<LedgerEntryRecord> LedgerEntries => Set<LedgerEntryRecord>();
    public DbSet<LedgerNodeRecord> LedgerNodes => Set<LedgerNodeRecord>();
    public DbSet<LedgerTreeHeadRecord> LedgerTreeHeads => Set<LedgerTreeHeadRecord>();
    public DbSet<AgencyKeyRecord> AgencyKeys => Set<AgencyKeyRecord>();

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
            e.HasIndex(o => o.Sequence).HasFilter("SentAt IS NULL AND FailedAt IS NULL").HasDatabaseName("IX_Outbox_Unsent");
        });

        model.Entity<InboxMessage>(e => e.HasKey(i => i.MessageId));
        OperationsModel.Configure(model);

        model.Entity<DisagreementRow>(e =>
        {
            e.ToTable("Disagreements");
            e.HasKey(d => d.Id);
            e.HasIndex(d => new { d.RaisedByAgency, d.IdempotencyKey }).IsUnique();
            e.Property(d => d.Version).IsConcurrencyToken();
            // Partial indexes: only rows with a pending deadline or warning are in them, so the scheduler's
            // "what is due next" is a seek whatever the number of cases.
            e.HasIndex(d => d.AutoEscalateAt).HasFilter("AutoEscalateAt IS NOT NULL").HasDatabaseName("IX_Disagreements_AutoEscalateAt");
            e.HasIndex(d => d.WarnAt).HasFilter("WarnAt IS NOT NULL").HasDatabaseName("IX_Disagreements_WarnAt");
            e.HasIndex(d => d.CurrentDeadlineAt).HasFilter("CurrentDeadlineAt IS NOT NULL").HasDatabaseName("IX_Disagreements_CurrentDeadlineAt");
        });
        model.Entity<DisagreementParty>(e =>
        {
            e.HasKey(p => new { p.AgencyCode, p.DisagreementId });
            e.HasIndex(p => p.DisagreementId);
        });
        model.Entity<DisagreementChildFile>(e =>
        {
            e.HasKey(c => new { c.ChildFileId, c.DisagreementId });
            e.HasIndex(c => c.DisagreementId);
        });
        model.Entity<DisagreementEventRow>(e =>
        {
            e.ToTable("DisagreementEvents");
            e.HasKey(x => new { x.DisagreementId, x.Sequence });
        });
        LedgerModel.Configure(model);

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

/// <summary>For <c>dotnet ef</c> with <c>--context EscalationHub.Server.Store.HubDbContext</c>: the SQLite model (without it
/// the tools pick the PostgreSQL factory, whose context derives from this one).</summary>
public sealed class HubDbContextDesignTimeFactory : Microsoft.EntityFrameworkCore.Design.IDesignTimeDbContextFactory<HubDbContext>
{
    public HubDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<HubDbContext>().UseSqlite("Data Source=design-time.db").Options);
}
