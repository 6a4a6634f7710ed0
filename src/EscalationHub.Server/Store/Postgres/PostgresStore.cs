using EscalationHub.Server.Ledger;
using Microsoft.EntityFrameworkCore;

namespace EscalationHub.Server.Store.Postgres;

/// <summary>
/// PostgreSQL as the hub's store (Store:Provider=PostgreSQL, connection string ConnectionStrings:Hub): the choice
/// for several hub replicas sharing one database. Its schema comes from its own migrations
/// (<see cref="PostgresHubDbContext"/>); group commit runs in <see cref="CommitCoordinator"/> over
/// <see cref="PostgresWriterStore"/>, which makes the replicas' writers take turns; the outbox and the deadline scheduler run on one replica at a time
/// (<see cref="PostgresReplicaLocks"/>).
/// </summary>
public static class PostgresStore
{
    public const string ProviderName = "PostgreSQL";
    public const string ConnectionStringName = "Hub";
    public const string ConnectionStringKey = "ConnectionStrings:Hub";

    public static bool IsSelected(IConfiguration configuration) =>
        string.Equals(configuration["Store:Provider"], ProviderName, StringComparison.OrdinalIgnoreCase)
        || string.Equals(configuration["Store:Provider"], "Postgres", StringComparison.OrdinalIgnoreCase);

    internal static void AddProvider(IHostApplicationBuilder builder)
    {
        var connectionString = builder.Configuration[ConnectionStringKey] is { Length: > 0 } configured ? configured : throw new InvalidOperationException(
                $"Store:Provider is {ProviderName} but ConnectionStrings:{ConnectionStringName} is not set (e.g. ConnectionStrings__{ConnectionStringName}=\"Host=db;Database=hub;Username=hub;Password=...\")");
        var services = builder.Services;
        services.AddSingleton(new PostgresConnection(connectionString));
        services.AddPooledDbContextFactory<PostgresHubDbContext>(options => Configure(options, connectionString));
        services.AddSingleton<IDbContextFactory<HubDbContext>>(sp => new AsHubContexts(sp.GetRequiredService<IDbContextFactory<PostgresHubDbContext>>()));
        services.AddSingleton<WriterStore, PostgresWriterStore>();
        services.AddSingleton<CommitCoordinator>();
        services.AddSingleton<IGroupCommit>(sp => sp.GetRequiredService<CommitCoordinator>());
        services.AddHostedService(sp => sp.GetRequiredService<CommitCoordinator>());
        services.AddSingleton<ReplicaLocks, PostgresReplicaLocks>();
    }

    internal static DbContextOptionsBuilder Configure(DbContextOptionsBuilder options, string connectionString) => options
        .UseNpgsql(connectionString)
        .AddInterceptors(new AppendOnlyGuard());

    private sealed class AsHubContexts(IDbContextFactory<PostgresHubDbContext> inner) : IDbContextFactory<HubDbContext>
    {
        public HubDbContext CreateDbContext() => inner.CreateDbContext();
    }
}

public sealed record PostgresConnection(string ConnectionString);

/// <summary>Advisory lock keys the hub replicas agree on (one bigint namespace per database).</summary>
public static class PostgresLocks
{
    /// <summary>Held by a group commit for its whole transaction: the replicas' writers take turns, so each command
    /// sees every earlier commit (idempotency checks, deadlines) and the ledger is appended by one writer at a time.</summary>
    public const long Writer = 0x4548_0000_0001;

    public static long For(ReplicaTask task) => 0x4548_0000_0100 + (long)task;
}
