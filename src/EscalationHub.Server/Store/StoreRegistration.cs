using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using EscalationHub.Security;
using EscalationHub.Server.Clock;
using EscalationHub.Server.Ledger;
using EscalationHub.Server.Store.Postgres;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace EscalationHub.Server.Store;

public static class StoreRegistration
{
    /// <summary>The hub's store: a SQLite file (Store:Path, default data/hub.db under the working directory) in
    /// WAL mode with full fsync, so a change the hub has acknowledged survives a crash or a power cut; or, with
    /// Store:Provider=PostgreSQL, the PostgreSQL database of ConnectionStrings:Hub, which several hub replicas can
    /// share (<see cref="PostgresStore"/>). Store:Path's folder holds the hub's signing key either way.</summary>
    public static IHostApplicationBuilder AddHubStore(this IHostApplicationBuilder builder)
    {
        var path = Path.GetFullPath(builder.Configuration["Store:Path"] ?? Path.Combine("data", "hub.db"));
        // Owner-only, and checked at start with its dev certificates (DataAtRest.Protect in Program).
        DataAtRest.PrepareFolder(Path.GetDirectoryName(path)!, "certs");
        builder.Services.AddSingleton(new StoreLocation(path));
        TrustedTime.Register(builder.Services); // the tree heads' timestamps (also for hosts without AddHubClock)
        if (PostgresStore.IsSelected(builder.Configuration))
            PostgresStore.AddProvider(builder);
        else
            AddSqlite(builder.Services, path);
        // One pooled context per scope, made known to the scope's unit of work so that a command running in the
        // group commit binds it to the batch's transaction, and only if it uses it. Disposing the scope returns it.
        builder.Services.AddScoped<UnitOfWorkScope>();
        builder.Services.AddScoped(sp =>
        {
            var db = sp.GetRequiredService<IDbContextFactory<HubDbContext>>().CreateDbContext();
            sp.GetRequiredService<UnitOfWorkScope>().Created(db);
            return db;
        });
        builder.Services.AddHealthChecks().AddCheck<StoreHealthCheck>("store");
        builder.Services.AddScoped<HubUnitOfWork>();
        return builder;
    }

    private static void AddSqlite(IServiceCollection services, string path)
    {
        services.AddPooledDbContextFactory<HubDbContext>(options => options
            .UseSqlite(ConnectionString(path))
            .AddInterceptors(new SqlitePragmas(), new AppendOnlyGuard()));
        // Every state change goes through the single writer, which group-commits concurrent commands.
        services.AddSingleton<WriterStore, SqliteWriterStore>();
        services.AddSingleton<CommitCoordinator>();
        services.AddSingleton<IGroupCommit>(sp => sp.GetRequiredService<CommitCoordinator>());
        services.AddHostedService(sp => sp.GetRequiredService<CommitCoordinator>());
        // One hub per SQLite file: nothing to share with another replica.
        services.AddSingleton<ReplicaLocks>();
    }

    /// <summary>Brings the schema up to date before the hub serves or consumes anything.</summary>
    public static async Task MigrateHubStoreAsync(this IHost app)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<HubDbContext>();
        // Replicas sharing one PostgreSQL database start at once: EF's own migration lock is held per migration, so with
        // two pending migrations both would apply the second. A session lock around the whole run lets one migrate.
        var postgres = !db.Database.IsSqlite();
        if (postgres)
        {
            await db.Database.OpenConnectionAsync();
            await db.Database.ExecuteSqlRawAsync("SELECT pg_advisory_lock(72420014)");
        }
        try
        {
            await db.Database.MigrateAsync();
        }
        finally
        {
            if (postgres)
            {
                await db.Database.ExecuteSqlRawAsync("SELECT pg_advisory_unlock(72420014)");
                await db.Database.CloseConnectionAsync();
            }
        }
        if (db.Database.IsSqlite())
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;");
        app.Services.GetRequiredService<StoreLocation>().Ready = true;
    }

    internal static string ConnectionString(string path) => $"Data Source={path};Pooling=True;Default Timeout=30";

    internal const string Pragmas = "PRAGMA synchronous=FULL; PRAGMA busy_timeout=30000; PRAGMA foreign_keys=ON;";

    private sealed class SqlitePragmas : DbConnectionInterceptor
    {
        public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
        {
            using var command = connection.CreateCommand();
            command.CommandText = Pragmas;
            command.ExecuteNonQuery();
        }

        public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = Pragmas;
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }
}

public sealed class StoreLocation(string path)
{
    public string Path { get; } = path;
    public volatile bool Ready;
}
