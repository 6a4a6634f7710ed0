using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace EscalationHub.Server.Store.Postgres;

/// <summary>The hub's model on PostgreSQL. A type of its own so that its migrations (Store/Postgres/Migrations) are
/// kept apart from SQLite's: <c>dotnet ef migrations add Name --context PostgresHubDbContext --output-dir Store/Postgres/Migrations</c>.</summary>
public sealed partial class PostgresHubDbContext(DbContextOptions<PostgresHubDbContext> options) : HubDbContext(options)
{
    protected override void OnModelCreating(ModelBuilder model)
    {
        base.OnModelCreating(model);
        // Partial index filters are written for SQLite, which folds nothing: PostgreSQL needs the (mixed case)
        // column names quoted. Quoting every column name of the table found in the filter keeps new filters working.
        foreach (var entity in model.Model.GetEntityTypes())
        foreach (var index in entity.GetIndexes())
        {
            if (index.GetFilter() is not { } filter) continue;
            foreach (var column in entity.GetProperties().Select(p => p.GetColumnName()).Distinct())
                filter = Regex.Replace(filter, $"(?<![\"\\w]){Regex.Escape(column)}(?![\"\\w])", $"\"{column}\"");
            index.SetFilter(filter);
        }
    }
}

/// <summary>For <c>dotnet ef</c>: the model needs no server to build migrations.</summary>
public sealed class PostgresHubDbContextDesignTimeFactory : IDesignTimeDbContextFactory<PostgresHubDbContext>
{
    public PostgresHubDbContext CreateDbContext(string[] args) =>
        new(((DbContextOptionsBuilder<PostgresHubDbContext>)PostgresStore.Configure(new DbContextOptionsBuilder<PostgresHubDbContext>(), "Host=localhost;Database=hub")).Options);
}
