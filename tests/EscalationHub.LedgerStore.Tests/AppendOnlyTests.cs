using EscalationHub.Server.Ledger;
using EscalationHub.Server.Store;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace EscalationHub.LedgerStore.Tests;

public sealed class AppendOnlyTests : IAsyncLifetime
{
    private TestStore store = null!;

    public async Task InitializeAsync()
    {
        store = await TestStore.StartAsync();
        await store.AppendAsync("CF-AAAA1111");
        await store.RunAsync(async (sp, ct) =>
        {
            var db = sp.GetRequiredService<HubDbContext>();
            db.AgencyKeys.Add(new AgencyKeyRecord { AgencyCode = "uhl-health", KeyId = "00", PublicKey = [1], RegisteredAt = DateTimeOffset.UtcNow });
            await db.SaveChangesAsync(ct);
            return 0;
        });
    }

    public async Task DisposeAsync() => await store.DisposeAsync();

    public static TheoryData<string, string> UpdatesAndDeletes => new()
    {
        { "LedgerEntries", "UPDATE LedgerEntries SET EntryType = 'concern.decided'" },
        { "LedgerEntries", "DELETE FROM LedgerEntries" },
        { "LedgerNodes", "UPDATE LedgerNodes SET Hash = zeroblob(32)" },
        { "LedgerNodes", "DELETE FROM LedgerNodes" },
        { "LedgerTreeHeads", "UPDATE LedgerTreeHeads SET TreeSize = 7" },
        { "LedgerTreeHeads", "DELETE FROM LedgerTreeHeads" },
        { "AgencyKeys", "UPDATE AgencyKeys SET PublicKey = x'02'" },
        { "AgencyKeys", "DELETE FROM AgencyKeys" },
    };

    [Theory]
    [MemberData(nameof(UpdatesAndDeletes))]
    public void The_database_refuses_to_update_or_delete_a_ledger_row(string table, string sql)
    {
        var before = store.Scalar($"SELECT COUNT(*) FROM {table}");

        var refused = Assert.Throws<SqliteException>(() => store.Execute(sql));

        Assert.Contains($"{table} is append-only", refused.Message);
        Assert.Equal(before, store.Scalar($"SELECT COUNT(*) FROM {table}"));
        Assert.True(store.Verify().IsValid);
    }

    [Fact]
    public async Task The_hub_refuses_to_save_a_deleted_or_modified_ledger_row_before_it_reaches_the_database()
    {
        await using var scope = store.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<HubDbContext>();
        var entry = await db.LedgerEntries.SingleAsync();
        var node = await db.LedgerNodes.FirstAsync();

        db.LedgerEntries.Remove(entry);
        var deleted = await Assert.ThrowsAsync<InvalidOperationException>(() => db.SaveChangesAsync());
        db.ChangeTracker.Clear();
        db.Entry(node).State = EntityState.Modified;
        var modified = await Assert.ThrowsAsync<InvalidOperationException>(() => db.SaveChangesAsync());

        Assert.Contains("LedgerEntries is append-only", deleted.Message);
        Assert.Contains("LedgerNodes is append-only", modified.Message);
        Assert.Equal(1, store.Scalar("SELECT COUNT(*) FROM LedgerEntries"));
    }

    [Fact]
    public async Task A_ledger_entry_cannot_be_staged_outside_a_unit_of_work()
    {
        await using var scope = store.Services.CreateAsyncScope();
        var ledger = scope.ServiceProvider.GetRequiredService<LedgerWriter>();

        var refused = Assert.Throws<InvalidOperationException>(() =>
            ledger.Append("CF-AAAA1111", null, "concern.raised", "uhl-health", "Nurse", DateTimeOffset.UtcNow, new { x = 1 }));

        Assert.Contains("HubUnitOfWork.ExecuteAsync", refused.Message);
    }

    [Fact]
    public async Task The_hub_signing_key_is_generated_once_into_the_data_folder_and_reused()
    {
        var keyPath = Path.Combine(store.Directory, HubSigningKey.PrivateKeyFile);
        var first = await File.ReadAllTextAsync(keyPath);

        using var reloaded = HubSigningKey.LoadOrCreate(store.Directory);

        Assert.Equal(first, await File.ReadAllTextAsync(keyPath));
        Assert.Equal(store.Services.GetRequiredService<HubSigningKey>().PublicKeyPem, reloaded.PublicKeyPem);
        Assert.Equal(reloaded.PublicKeyPem, await File.ReadAllTextAsync(Path.Combine(store.Directory, HubSigningKey.PublicKeyFile)));
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyPath));
    }
}
