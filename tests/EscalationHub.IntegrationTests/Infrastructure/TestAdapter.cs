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

    public static async Task<TestAdapter> StartSocialCareAsync(string brokerUri, string agencyCode = "leics-socialcare",
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
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string>()) settings[key] = value;
        var adapter = new TestAdapter(() => AppProcess.Start("adapters/EscalationHub.Adapters.SocialCare", "EscalationHub.Adapters.SocialCare", directory, settings),
            directory, agencyCode, $"http://127.0.0.1:{port}/health");
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

    public async ValueTask DisposeAsync()
    {
        await process.DisposeAsync();
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
    }
}
