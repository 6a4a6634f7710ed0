using EscalationHub.Server.Store;
using Microsoft.EntityFrameworkCore;

namespace EscalationHub.Server.Tests;

/// <summary>A migrated hub store in a temporary SQLite file.</summary>
public sealed class SqliteStore : IDisposable
{
    private readonly string directory = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"eh-store-{Guid.NewGuid():N}");

    public SqliteStore()
    {
        Directory.CreateDirectory(directory);
        using var db = NewContext();
        db.Database.Migrate();
    }

    public string DatabasePath => System.IO.Path.Combine(directory, "hub.db");

    public HubDbContext NewContext() =>
        new(new DbContextOptionsBuilder<HubDbContext>().UseSqlite($"Data Source={DatabasePath};Pooling=False").Options);

    public void Dispose()
    {
        try { Directory.Delete(directory, recursive: true); } catch (IOException) { }
    }
}
