using EscalationHub.Ledger;
using EscalationHub.Server.Ledger;

namespace EscalationHub.LedgerStore.Tests;

/// <summary>An attacker with write access to hub.db drops the triggers and rewrites rows with SQL; hubctl, run as a
/// process against the real file, exits 1 and names the first bad entry.</summary>
public sealed class TamperTests : IAsyncLifetime
{
    private const int Entries = 12;
    private TestStore store = null!;

    public async Task InitializeAsync()
    {
        store = await TestStore.StartAsync();
        for (var i = 0; i < Entries; i++)
            await store.AppendAsync($"CF-CHILD{i % 3:D3}", payload: $"{{\"n\":{i}}}");
        await store.StopAsync();
    }

    public async Task DisposeAsync() => await store.DisposeAsync();

    private Task<HubCtl.Result> VerifyAsync(params string[] extra) =>
        HubCtl.RunAsync(["ledger", "verify", "--store", store.DatabasePath, "--no-progress", .. extra]);

    private void Attack(string sql) => store.Execute(LedgerSchema.DropTriggersSql + sql);

    [Fact]
    public async Task An_intact_store_verifies_with_exit_code_0()
    {
        var result = await VerifyAsync();

        Assert.True(result.ExitCode == 0, result.All);
        Assert.Contains($"verified {Entries} entries", result.Output);
    }

    [Fact]
    public async Task An_edited_entry_is_named()
    {
        // Flip the last byte of entry #7's payload.
        Attack("UPDATE LedgerEntries SET EntryBytes = substr(EntryBytes, 1, length(EntryBytes) - 1) || x'21' WHERE Sequence = 7;");

        var result = await VerifyAsync();

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("first bad entry: #7 (payload does not match its recorded hash)", result.Output);
    }

    [Fact]
    public async Task An_entry_edited_together_with_its_stored_hashes_is_named_by_the_signed_heads()
    {
        var forged = new LedgerEntry("CF-CHILD001", "case-1", "concern.raised", "uhl-health", "Paediatric registrar",
            DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, "{\"n\":99}"u8);
        Attack($"""
            UPDATE LedgerEntries SET EntryBytes = x'{Convert.ToHexString(forged.ToCanonicalBytes())}' WHERE Sequence = 5;
            UPDATE LedgerNodes SET Hash = x'{forged.LeafHash.ToHex()}' WHERE Level = 0 AND Idx = 5;
            """);

        var result = await VerifyAsync();

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("first bad entry: #5", result.Output);
    }

    [Fact]
    public async Task A_deleted_entry_is_named()
    {
        Attack("DELETE FROM LedgerEntries WHERE Sequence = 4;");

        var result = await VerifyAsync();

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("first bad entry: #4 (missing or moved", result.Output);
    }

    [Fact]
    public async Task Swapped_entries_are_named_at_the_first_of_the_two()
    {
        Attack("""
            UPDATE LedgerEntries SET Sequence = -1 WHERE Sequence = 3;
            UPDATE LedgerEntries SET Sequence = 3 WHERE Sequence = 9;
            UPDATE LedgerEntries SET Sequence = 9 WHERE Sequence = -1;
            """);

        var result = await VerifyAsync();

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("first bad entry: #3", result.Output);
    }

    [Fact]
    public async Task An_entry_moved_to_another_child_file_by_its_column_is_named()
    {
        Attack("UPDATE LedgerEntries SET ChildFileId = 'CF-OTHER999' WHERE Sequence = 2;");

        var result = await VerifyAsync();

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("first bad entry: #2 (its child file, case, type or agency columns do not match", result.Output);
    }

    [Fact]
    public async Task Truncating_the_log_and_its_newest_heads_is_caught_only_against_a_head_held_elsewhere_but_never_passes_as_a_longer_log()
    {
        // Deleting the last entries and the heads that cover them leaves an older, genuinely signed log: that is the
        // limit of a store-only check, which is why agencies keep their own checked copies. Deleting only entries is caught.
        Attack("DELETE FROM LedgerEntries WHERE Sequence >= 10;");

        var result = await VerifyAsync();

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("first bad entry: #10 (missing: the rows end after 10 entries", result.Output);
    }

    [Fact]
    public async Task A_store_signed_by_another_key_is_refused()
    {
        var otherKey = Path.Combine(store.Directory, "other.pem");
        using (var key = LedgerKeys.CreateP256()) await File.WriteAllTextAsync(otherKey, LedgerKeys.ExportPublicKeyPem(key));

        var result = await VerifyAsync("--public-key", otherKey);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("not signed by the hub's key", result.Output);
    }

    [Fact]
    public async Task Usage_and_io_errors_exit_with_code_2()
    {
        var noStore = await HubCtl.RunAsync("ledger", "verify", "--store", Path.Combine(store.Directory, "absent.db"));
        var noOption = await HubCtl.RunAsync("ledger", "verify");
        var badKey = Path.Combine(store.Directory, "bad.pem");
        await File.WriteAllTextAsync(badKey, "not a key");
        var unreadableKey = await VerifyAsync("--public-key", badKey);

        Assert.Equal(2, noStore.ExitCode);
        Assert.Contains("no store at", noStore.Error);
        Assert.Equal(2, noOption.ExitCode);
        Assert.Contains("--store", noOption.Error);
        Assert.Equal(2, unreadableKey.ExitCode);
    }

    [Fact]
    public async Task Help_describes_the_command_and_its_exit_codes()
    {
        var help = await HubCtl.RunAsync("ledger", "verify", "--help");

        Assert.Equal(0, help.ExitCode);
        Assert.Contains("--store", help.Output);
        Assert.Contains("--public-key", help.Output);
        Assert.Contains("0 intact, 1 tampered, 2 usage or I/O error", help.Output);
    }
}
