using Microsoft.Data.Sqlite;

namespace EscalationHub.IntegrationTests.Infrastructure;

/// <summary>An agency adapter as a real process against the broker, with read access to its inbox file.</summary>
public sealed class TestAdapter : IAsyncDisposable
{
    private AppProcess process;
    private readonly string healthUrl;
    private readonly Func<AppProcess> start;

    private TestAdapter(Func<AppProcess> start, string directory, string agencyCode, string healthUrl)
    {
        this.start = start;
        process = start();
        Directory = directory;
        AgencyCode = agencyCode;
        this.healthUrl = healthUrl;
    }

    public string Directory { get; }
    public string AgencyCode { get; }
    public string InboxPath => Path.Combine(Directory, $"adapter-{AgencyCode}.db");
    public string Output => process.Output;

    public string BaseAddress => healthUrl[..^"/health".Length];

    /// <param name="hubAddress">The hub's gRPC address for the adapter's verified ledger replica; null for none.</param>
    public static Task<TestAdapter> StartSocialCareAsync(string brokerUri, string agencyCode = "leics-socialcare", string? hubAddress = null,
        IReadOnlyDictionary<string, string>? extra = null, bool waitUntilHealthy = true) =>
        StartAsync("adapters/EscalationHub.Adapters.SocialCare", "EscalationHub.Adapters.SocialCare", brokerUri, agencyCode, hubAddress, extra, waitUntilHealthy);

    /// <summary>The bare runtime (tests/EscalationHub.TestAdapter) playing any agency, e.g. the raising hospital.</summary>
    public static Task<TestAdapter> StartRuntimeOnlyAsync(string brokerUri, string agencyCode, string? hubAddress) =>
        StartAsync("tests/EscalationHub.TestAdapter", "EscalationHub.TestAdapter", brokerUri, agencyCode, hubAddress);

    private static async Task<TestAdapter> StartAsync(string project, string assembly, string brokerUri, string agencyCode, string? hubAddress,
        IReadOnlyDictionary<string, string>? extra = null, bool waitUntilHealthy = true)
    {
        var directory = Path.Combine(Path.GetTempPath(), $"eh-adapter-{Guid.NewGuid():N}");
        var port = Ports.Free(30000, 60000);
        var settings = new Dictionary<string, string>
        {
            ["Urls"] = $"http://127.0.0.1:{port}",
            ["Adapter:AgencyCode"] = agencyCode,
            ["Adapter:DataDirectory"] = directory,
            ["Messaging:RabbitMq"] = brokerUri,
            ["Hub:Address"] = hubAddress ?? "",
            ["Hub:LedgerSyncSeconds"] = "0.5",
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string>()) settings[key] = value;
        var adapter = new TestAdapter(() => AppProcess.Start(project, assembly, directory, settings), directory, agencyCode, $"http://127.0.0.1:{port}/health");
        if (waitUntilHealthy) await adapter.WaitUntilHealthyAsync();
        return adapter;
    }

    /// <summary>The HTTP status of the adapter's /health endpoint, or null while it does not answer.</summary>
    public async Task<int?> HealthStatusAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        try { return (int)(await http.GetAsync(healthUrl)).StatusCode; }
        catch (HttpRequestException) { return null; }
        catch (TaskCanceledException) { return null; }
    }

    private async Task WaitUntilHealthyAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var until = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < until)
        {
            if (process.HasExited) throw new InvalidOperationException($"the adapter exited while starting:\n{Output}");
            try
            {
                var response = await http.GetAsync(healthUrl);
                if (response.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            await Task.Delay(200);
        }
        throw new TimeoutException($"the adapter did not become healthy:\n{Output}");
    }

    /// <summary>Messages of a type the adapter has recorded as applied in its inbox.</summary>
    public long InboxCount(string messageType)
    {
        if (!File.Exists(InboxPath)) return 0;
        using var connection = new SqliteConnection($"Data Source={InboxPath};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM inbox WHERE message_type = $type";
        command.Parameters.AddWithValue("$type", messageType);
        return (long)command.ExecuteScalar()!;
    }

    /// <summary>Stops the adapter (gracefully); its inbox file stays.</summary>
    public async Task StopAsync() => await process.DisposeAsync();

    /// <summary>Starts it again on the same data directory and port.</summary>
    public async Task StartAgainAsync()
    {
        process = start();
        await WaitUntilHealthyAsync();
    }

    /// <summary>The leaf hashes of the entries of one child file the adapter's replica has verified, in log order.</summary>
    public List<(long Index, byte[] Bytes, byte[] LeafHash)> ReplicaEntries(string childFileId) =>
        Query("SELECT idx, entry_bytes, leaf_hash FROM ledger_entries WHERE child_file_id = $id ORDER BY idx",
            r => (r.GetInt64(0), (byte[])r[1], (byte[])r[2]), ("$id", childFileId));

    public List<(string Kind, string Detail)> ReplicaAlarms() =>
        Query("SELECT kind, detail FROM ledger_alarms ORDER BY id", r => (r.GetString(0), r.GetString(1)));

    /// <summary>(size, root) of the newest tree head the replica trusts.</summary>
    public (long Size, byte[] Root)? TrustedHead() =>
        Query("SELECT tree_size, root_hash FROM ledger_heads ORDER BY tree_size DESC LIMIT 1", r => (r.GetInt64(0), (byte[])r[1])) is [var head] ? head : null;

    private List<T> Query<T>(string sql, Func<SqliteDataReader, T> read, params (string Name, object Value)[] parameters)
    {
        if (!File.Exists(InboxPath)) return [];
        using var connection = new SqliteConnection($"Data Source={InboxPath};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        var rows = new List<T>();
        try
        {
            using var reader = command.ExecuteReader();
            while (reader.Read()) rows.Add(read(reader));
        }
        catch (SqliteException ex) when (ex.Message.Contains("no such table")) { }
        return rows;
    }

    public async ValueTask DisposeAsync()
    {
        await process.DisposeAsync();
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
    }
}
