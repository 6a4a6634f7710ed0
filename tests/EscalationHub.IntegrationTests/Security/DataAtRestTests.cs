using EscalationHub.IntegrationTests.Infrastructure;

namespace EscalationHub.IntegrationTests.Security;

/// <summary>Children's data on disk is private to the service user: the hub's and every adapter's data folder 0700,
/// their databases (with WAL and SHM), keys and the operator token 0600; a data folder or database open to other
/// local users stops the process at start, naming the path and the chmod that fixes it.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class DataAtRestTests(DataAtRestTests.HubWithGeneratedToken fixture) : IClassFixture<DataAtRestTests.HubWithGeneratedToken>
{
    private const UnixFileMode Folder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode File600 = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode GroupOrOthers = (UnixFileMode)0b000_111_111;

    /// <summary>An embedded-default hub that generated its operator token (none configured) and has raised a concern.</summary>
    public sealed class HubWithGeneratedToken : IAsyncLifetime
    {
        public TestHub Hub { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Hub = await TestHub.StartAsync(brokerUri: null, new Dictionary<string, string> { ["Operations:OperatorToken"] = "" });
            await Hub.As("uhl-health").Concerns.RaiseConcernAsync(Requests.HospitalReferral());
            await Hub.SettledCountsAsync();
        }

        public async Task DisposeAsync() => await Hub.DisposeAsync();
    }

    [Fact]
    public async Task After_a_concern_the_hubs_data_folder_is_0700_and_its_databases_wal_shm_keys_and_token_0600()
    {
        var hub = fixture.Hub;
        var folder = hub.Directory;
        // The four embedded adapters keep their files beside the hub's.
        await Eventually.TrueAsync(() => Task.FromResult(Directory.GetFiles(folder, "adapter-*.db").Length == 4), "the four adapters' databases");

        Assert.Equal(Folder, File.GetUnixFileMode(folder));
        Assert.Equal(Folder, File.GetUnixFileMode(Path.Combine(folder, "certs")));
        var expected = new[] { "hub.db", "hub.db-wal", "hub.db-shm", "operator-token", "hub-signing-key.pem" }
            .Select(f => Path.Combine(folder, f))
            .Concat(Directory.GetFiles(folder, "adapter-*.db*").Where(f => !f.EndsWith("-journal", StringComparison.Ordinal)))
            .Concat(Directory.GetFiles(folder, "agency-*-key.pem"))
            .Concat(Directory.GetFiles(Path.Combine(folder, "certs"), "*.key"))
            .ToList();
        Assert.True(expected.Count >= 5 + 4 + 4 + 6, string.Join('\n', expected));
        foreach (var file in expected)
        {
            Assert.True(File.Exists(file), $"{file} is missing");
            Assert.True(File600 == File.GetUnixFileMode(file), $"{file} is {File.GetUnixFileMode(file)}, not owner-only");
        }
        // Nothing the hub made there, public certificates included, is open to other users.
        AssertNothingOpenToOthers(folder);
        Assert.Contains($"EscalationHub operator token in {Path.Combine(folder, "operator-token")}", hub.Output);
    }

    [Fact]
    public async Task A_hub_given_a_data_folder_open_to_others_refuses_to_start_and_says_which_chmod_fixes_it()
    {
        var folder = NewFolder((UnixFileMode)0b111_101_101); // 0755

        var (exitCode, output) = await StartHubAndWaitForExitAsync(folder);

        Assert.NotEqual(0, exitCode);
        Assert.Contains("Refusing to start", output);
        Assert.Contains($"chmod 700 {folder}", output);
        Assert.False(File.Exists(Path.Combine(folder, "hub.db")), "the hub created its database anyway");
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public async Task A_hub_whose_database_is_readable_by_others_refuses_to_start_and_names_the_file()
    {
        var folder = NewFolder(Folder);
        var database = Path.Combine(folder, "hub.db");
        File.WriteAllBytes(database, []);
        File.SetUnixFileMode(database, (UnixFileMode)0b110_100_100); // 0644, as SQLite made it before

        var (exitCode, output) = await StartHubAndWaitForExitAsync(folder);

        Assert.NotEqual(0, exitCode);
        Assert.Contains($"chmod 600 {database}", output);
        Assert.Equal(0, new FileInfo(database).Length);
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public async Task A_standalone_adapter_keeps_its_data_folder_0700_and_its_database_0600()
    {
        await using var adapter = await TestAdapter.StartSocialCareAsync(brokerUri: "", waitUntilHealthy: false);
        await Eventually.TrueAsync(() => Task.FromResult(File.Exists(adapter.InboxPath)), $"the adapter's database\n{adapter.Output}", TimeSpan.FromSeconds(90));

        Assert.Equal(Folder, File.GetUnixFileMode(adapter.Directory));
        AssertNothingOpenToOthers(adapter.Directory);
        Assert.Equal(File600, File.GetUnixFileMode(adapter.InboxPath));
    }

    [Fact]
    public async Task A_standalone_adapter_given_a_data_folder_open_to_others_refuses_to_start()
    {
        var folder = NewFolder((UnixFileMode)0b111_101_101);
        await using var adapter = AppProcess.Start("adapters/EscalationHub.Adapters.SocialCare", "EscalationHub.Adapters.SocialCare", folder,
            new Dictionary<string, string>
            {
                ["Urls"] = $"http://127.0.0.1:{Ports.Free(Ports.ServerMin, Ports.ServerMax)}",
                ["Adapter:AgencyCode"] = "leics-socialcare",
                ["Adapter:DataDirectory"] = folder,
                ["Messaging:RabbitMq"] = "",
            });

        var exitCode = await adapter.WaitForExitAsync(TimeSpan.FromSeconds(90));

        Assert.NotEqual(0, exitCode);
        Assert.Contains($"chmod 700 {folder}", adapter.Output);
        Assert.Empty(Directory.GetFiles(folder, "*.db"));
        Directory.Delete(folder, recursive: true);
    }

    private static void AssertNothingOpenToOthers(string folder)
    {
        foreach (var entry in Directory.GetFileSystemEntries(folder, "*", SearchOption.AllDirectories))
        {
            UnixFileMode mode;
            try { mode = File.GetUnixFileMode(entry); }
            catch (FileNotFoundException) { continue; } // a transient journal, gone already
            Assert.True((mode & GroupOrOthers) == 0, $"{entry} is {mode}");
        }
    }

    private static string NewFolder(UnixFileMode mode)
    {
        var folder = Path.Combine(Path.GetTempPath(), $"eh-rest-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        File.SetUnixFileMode(folder, mode);
        return folder;
    }

    internal static async Task<(int ExitCode, string Output)> StartHubAndWaitForExitAsync(string folder, IReadOnlyDictionary<string, string>? extra = null)
    {
        var settings = new Dictionary<string, string>
        {
            ["Store:Path"] = Path.Combine(folder, "hub.db"),
            ["Urls"] = $"https://127.0.0.1:{Ports.Free(Ports.ServerMin, Ports.ServerMax)}",
            ["Dashboard:Urls"] = $"http://127.0.0.1:{Ports.Free(Ports.ServerMin, Ports.ServerMax)}",
            ["Messaging:RabbitMq"] = "",
            ["Operations:OperatorToken"] = TestHub.OperatorToken,
            ["Adapters:Health:Mllp:Port"] = "0",
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string>()) settings[key] = value;
        await using var hub = AppProcess.Start("src/EscalationHub.Server", "EscalationHub.Server", folder, settings);
        var exitCode = await hub.WaitForExitAsync(TimeSpan.FromSeconds(90));
        return (exitCode, hub.Output);
    }
}
