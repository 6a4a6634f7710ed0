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

    /// <summary>The running adapter's process id (for sampling its CPU time).</summary>
    public int ProcessId => process.Id;

    public string BaseAddress => healthUrl[..^"/health".Length];

    /// <summary>The agency adapters by kind: project directory and assembly name.</summary>
    public enum Kind { Health, Police, SocialCare, Education }

    /// <param name="hubAddress">The hub's gRPC address for the adapter's verified ledger replica; null for none.</param>
    public static Task<TestAdapter> StartSocialCareAsync(string brokerUri, string agencyCode = "leics-socialcare", string? hubAddress = null,
        IReadOnlyDictionary<string, string>? extra = null, bool waitUntilHealthy = true) =>
        StartAsync(Kind.SocialCare, brokerUri, agencyCode, extra, waitUntilHealthy, hubAddress);

    /// <summary>The bare runtime (tests/EscalationHub.TestAdapter) playing any agency, e.g. the raising hospital.</summary>
    public static Task<TestAdapter> StartRuntimeOnlyAsync(string brokerUri, string agencyCode, string? hubAddress,
        IReadOnlyDictionary<string, string>? extra = null) =>
        StartProjectAsync("tests/EscalationHub.TestAdapter", "EscalationHub.TestAdapter", brokerUri, agencyCode, hubAddress, extra, true, mllp: false);

    /// <summary>Starts an adapter process against the broker, with its agency system simulated unless
    /// <paramref name="extra"/> sets Adapter:AgencySystem:Url. A health adapter gets a free MLLP port
    /// (<see cref="MllpPort"/>).</summary>
    public static Task<TestAdapter> StartAsync(Kind kind, string brokerUri, string agencyCode, IReadOnlyDictionary<string, string>? extra = null,
        bool waitUntilHealthy = true, string? hubAddress = null) =>
        StartProjectAsync($"adapters/EscalationHub.Adapters.{kind}", $"EscalationHub.Adapters.{kind}", brokerUri, agencyCode, hubAddress, extra,
            waitUntilHealthy, mllp: kind == Kind.Health);

    private static async Task<TestAdapter> StartProjectAsync(string project, string assembly, string brokerUri, string agencyCode, string? hubAddress,
        IReadOnlyDictionary<string, string>? extra, bool waitUntilHealthy, bool mllp)
    {
        var directory = Path.Combine(Path.GetTempPath(), $"eh-adapter-{Guid.NewGuid():N}");
        var port = Ports.Free(Ports.ServerMin, Ports.ServerMax);
        var settings = new Dictionary<string, string>
        {
            ["Urls"] = $"http://127.0.0.1:{port}",
            ["Adapter:AgencyCode"] = agencyCode,
            ["Adapter:DataDirectory"] = directory,
            ["Adapter:AgencySystem:InitialBackoff"] = "00:00:00.200",
            ["Adapter:AgencySystem:MaxBackoff"] = "00:00:01",
            ["Messaging:RabbitMq"] = brokerUri,
            // A bus that stops consuming is restarted within about 15 s (not 40 s), inside the fault suite's patience.
            ["Messaging:ConsumerCheck"] = "00:00:02",
            ["Messaging:ConsumerMissingFor"] = "00:00:12",
            ["Hub:Address"] = hubAddress ?? "",
            ["Hub:LedgerSyncSeconds"] = "0.5",
        };
        if (hubAddress is not null && TestHub.CertificatesDirectoryOf(hubAddress) is { } certificates)
        {
            // The adapter calls the hub's gRPC API with its agency's certificate, trusting the hub's development CA.
            settings["Hub:ClientCertificate"] = Path.Combine(certificates, $"agency-{agencyCode}.crt");
            settings["Hub:ReplicationCertificate"] = Path.Combine(certificates, $"replica-{agencyCode}.crt");
            settings["Hub:CaCertificate"] = Path.Combine(certificates, "ca.crt");
        }
        var mllpPort = mllp ? Ports.Free(Ports.ServerMin, Ports.ServerMax) : -1;
        if (mllp) settings["Adapter:Mllp:Port"] = mllpPort.ToString();
        foreach (var (key, value) in extra ?? new Dictionary<string, string>()) settings[key] = value;
        var adapter = new TestAdapter(() => AppProcess.Start(project, assembly, directory, settings), directory, agencyCode, $"http://127.0.0.1:{port}/health")
        {
            HttpAddress = new Uri($"http://127.0.0.1:{port}"),
            MllpPort = mllpPort,
        };
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

    /// <summary>The adapter's HTTP interface for its agency system (FHIR, /responses, /concerns).</summary>
    public Uri HttpAddress { get; private init; } = null!;

    /// <summary>The credential the adapter made for its agency system on first start
    /// ({data directory}/agency-system-{agency}.credential).</summary>
    public string AgencySystemCredential => File.ReadAllText(Path.Combine(Directory, $"agency-system-{AgencyCode}.credential")).Trim();

    /// <summary>An HTTP client for the adapter's interface that presents its agency system's credential.</summary>
    public HttpClient AgencySystem()
    {
        var http = new HttpClient { BaseAddress = HttpAddress };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", AgencySystemCredential);
        return http;
    }

    /// <summary>The health adapter's MLLP port; -1 for other adapters.</summary>
    public int MllpPort { get; private init; }

    /// <summary>What the adapter's simulated agency system received: (kind, JSON body), in order.</summary>
    public IReadOnlyList<(string Kind, string Body)> SimulatorReceived()
    {
        if (!File.Exists(InboxPath)) return [];
        using var connection = new SqliteConnection($"Data Source={InboxPath};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'simulator_received'";
        if (command.ExecuteScalar() is null) return [];
        command.CommandText = "SELECT kind, body FROM simulator_received ORDER BY sequence";
        using var reader = command.ExecuteReader();
        var all = new List<(string, string)>();
        while (reader.Read()) all.Add((reader.GetString(0), reader.GetString(1)));
        return all;
    }

    public async Task WaitUntilHealthyAsync()
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

    /// <summary>Every message the adapter has recorded as applied: (message id, type).</summary>
    public List<(Guid MessageId, string Type)> InboxMessages() =>
        Query("SELECT message_id, message_type FROM inbox", r => (Guid.Parse(r.GetString(0)), r.GetString(1)));

    /// <summary>The log indexes of every entry the replica holds, by child file.</summary>
    public Dictionary<string, HashSet<long>> ReplicaIndexesByFile() =>
        Query("SELECT child_file_id, idx FROM ledger_entries", r => (File: r.GetString(0), Index: r.GetInt64(1)))
            .GroupBy(x => x.File).ToDictionary(g => g.Key, g => g.Select(x => x.Index).ToHashSet());

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
