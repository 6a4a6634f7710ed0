using Microsoft.Data.Sqlite;

namespace EscalationHub.IntegrationTests.Infrastructure;

/// <summary>An agency adapter as a real process against the broker, with read access to its inbox file.</summary>
public sealed class TestAdapter : IAsyncDisposable
{
    private readonly AppProcess process;
    private readonly string healthUrl;

    private TestAdapter(AppProcess process, string directory, string agencyCode, string healthUrl)
    {
        this.process = process;
        Directory = directory;
        AgencyCode = agencyCode;
        this.healthUrl = healthUrl;
    }

    public string Directory { get; }
    public string AgencyCode { get; }
    public string InboxPath => Path.Combine(Directory, $"adapter-{AgencyCode}.db");
    public string Output => process.Output;

    /// <summary>The agency adapters by kind: project directory and assembly name.</summary>
    public enum Kind { Health, Police, SocialCare, Education }

    public static Task<TestAdapter> StartSocialCareAsync(string brokerUri, string agencyCode = "leics-socialcare") =>
        StartAsync(Kind.SocialCare, brokerUri, agencyCode);

    /// <summary>Starts an adapter process against the broker, with its agency system simulated unless
    /// <paramref name="extra"/> sets Adapter:AgencySystem:Url. A health adapter gets a free MLLP port
    /// (<see cref="MllpPort"/>).</summary>
    public static async Task<TestAdapter> StartAsync(Kind kind, string brokerUri, string agencyCode, IReadOnlyDictionary<string, string>? extra = null,
        bool waitUntilHealthy = true)
    {
        var directory = Path.Combine(Path.GetTempPath(), $"eh-adapter-{Guid.NewGuid():N}");
        var port = Ports.Free(30000, 60000);
        var name = $"EscalationHub.Adapters.{kind}";
        var settings = new Dictionary<string, string>
        {
            ["Urls"] = $"http://127.0.0.1:{port}",
            ["Adapter:AgencyCode"] = agencyCode,
            ["Adapter:DataDirectory"] = directory,
            ["Adapter:AgencySystem:InitialBackoff"] = "00:00:00.200",
            ["Adapter:AgencySystem:MaxBackoff"] = "00:00:01",
            ["Messaging:RabbitMq"] = brokerUri,
        };
        var mllpPort = kind == Kind.Health ? Ports.Free(30000, 60000) : -1;
        if (kind == Kind.Health) settings["Adapter:Mllp:Port"] = mllpPort.ToString();
        foreach (var (key, value) in extra ?? new Dictionary<string, string>()) settings[key] = value;
        var process = AppProcess.Start($"adapters/{name}", name, directory, settings);
        var adapter = new TestAdapter(process, directory, agencyCode, $"http://127.0.0.1:{port}/health")
        {
            HttpAddress = new Uri($"http://127.0.0.1:{port}"),
            MllpPort = mllpPort,
        };
        if (waitUntilHealthy) await adapter.WaitUntilHealthyAsync();
        return adapter;
    }

    /// <summary>The adapter's HTTP interface for its agency system (FHIR, /responses, /concerns).</summary>
    public Uri HttpAddress { get; private init; } = null!;

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

    public async ValueTask DisposeAsync()
    {
        await process.DisposeAsync();
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
    }
}
