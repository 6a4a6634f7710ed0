using EscalationHub.Contracts.V1;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Microsoft.Data.Sqlite;

namespace EscalationHub.IntegrationTests.Infrastructure;

/// <summary>The hub as a real process on a free port, with a gRPC channel to it over HTTP/2 and read access to its
/// SQLite file so tests can check what was (and was not) stored.</summary>
public sealed class TestHub : IAsyncDisposable
{
    private readonly Dictionary<string, string> settings;
    private AppProcess? process;

    private TestHub(string directory, Dictionary<string, string> settings)
    {
        Directory = directory;
        this.settings = settings;
        Port = Ports.Free(Ports.ServerMin, Ports.ServerMax);
        Address = $"https://127.0.0.1:{Port}";
        DashboardPort = Ports.Free(Ports.ServerMin, Ports.ServerMax);
        while (DashboardPort == Port) DashboardPort = Ports.Free(Ports.ServerMin, Ports.ServerMax);
        // http unless the settings ask for the dashboard over HTTPS (Dashboard:Urls = HttpsDashboard), on its free port.
        var scheme = settings.GetValueOrDefault("Dashboard:Urls") == HttpsDashboard ? "https" : "http";
        DashboardAddress = $"{scheme}://127.0.0.1:{DashboardPort}";
        // The embedded adapters' own listeners (their agency systems' HTTP interfaces), each on a free port of its own.
        foreach (var name in EmbeddedAdapterAgencies.Keys)
        {
            var port = Ports.Free(Ports.ServerMin, Ports.ServerMax);
            while (port == Port || port == DashboardPort || adapterPorts.ContainsValue(port)) port = Ports.Free(Ports.ServerMin, Ports.ServerMax);
            adapterPorts[name] = port;
        }
        Callers = new HubCallers(Address, Path.Combine(directory, "certs"));
        CertificatesByAddress[Address] = Callers.CertificatesDirectory;
        Channel = Callers.Routing;
        Concerns = new Concerns.ConcernsClient(Channel);
        Health = new Health.HealthClient(Channel);
        Operations = new EscalationHub.Contracts.V1.Operations.OperationsClient(Channel);
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> CertificatesByAddress = new();

    /// <summary>The development certificates of the test hub at this address (so an adapter given only the hub's
    /// address can present its agency's certificate); null for an address no test hub has.</summary>
    public static string? CertificatesDirectoryOf(string address) => CertificatesByAddress.GetValueOrDefault(address);

    /// <summary>The hub's callers over mutual TLS, by certificate (the hub generates them under {Directory}/certs).</summary>
    public HubCallers Callers { get; }

    /// <summary>Clients that call as this agency (its certificate), whatever the requests name.</summary>
    public HubClients As(string agencyCode) => Callers.As(agencyCode);

    /// <summary>Clients that call as this agency's replication identity (its ledger replica's certificate).</summary>
    public HubClients AsReplica(string agencyCode) => Callers.AsReplica(agencyCode);

    /// <summary>Clients that call with the development operator certificate.</summary>
    public HubClients AsOperator() => Callers.AsOperator();

    /// <summary>Clients that present no certificate (the hub answers them health checks only).</summary>
    public HubClients Anonymous() => Callers.Anonymous();

    /// <summary>The operator token the test hubs are started with (Operations:OperatorToken).</summary>
    public const string OperatorToken = "test-operator-token";

    /// <summary>Give Dashboard:Urls this value to serve the dashboard and /metrics over HTTPS (the hub's certificate).</summary>
    public const string HttpsDashboard = "https";

    /// <summary>The embedded adapters by the name of their settings section (Adapters:{Name}) and the agency each
    /// acts for (the hub's defaults).</summary>
    public static IReadOnlyDictionary<string, string> EmbeddedAdapterAgencies { get; } = new Dictionary<string, string>
    {
        ["Health"] = "uhl-health",
        ["Police"] = "leics-police",
        ["SocialCare"] = "leics-socialcare",
        ["Education"] = "oakfield-school",
    };

    private readonly Dictionary<string, int> adapterPorts = [];

    /// <summary>An embedded adapter's own listener (Adapters:{Name}:Urls), where its agency system posts.</summary>
    public Uri AdapterAddress(string name) => new($"http://127.0.0.1:{adapterPorts[name]}");

    /// <summary>The credential the embedded adapter made for its agency system on first start
    /// ({data directory}/agency-system-{agency}.credential).</summary>
    public string AgencySystemCredential(string name) =>
        File.ReadAllText(Path.Combine(Directory, $"agency-system-{EmbeddedAdapterAgencies[name]}.credential")).Trim();

    /// <summary>An HTTP client for an embedded adapter's listener that presents its agency system's credential.</summary>
    public HttpClient AgencySystem(string name)
    {
        var http = new HttpClient { BaseAddress = AdapterAddress(name) };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", AgencySystemCredential(name));
        return http;
    }

    public int DashboardPort { get; }
    /// <summary>The dashboard, its JSON API and /metrics (HTTP/1.1).</summary>
    public string DashboardAddress { get; }
    public EscalationHub.Contracts.V1.Operations.OperationsClient Operations { get; }
    /// <summary>Call metadata carrying the operator token (the dashboard's login; gRPC calls go as the operator by
    /// certificate, so this header is now only a leftover that changes nothing).</summary>
    public static Metadata Operator => new() { { "x-operator-token", OperatorToken } };

    public string Directory { get; }
    public int Port { get; }
    public string Address { get; }
    public string DatabasePath => Path.Combine(Directory, "hub.db");
    /// <summary>Routes each call by the agency its request names (see <see cref="HubCallers"/>).</summary>
    public CallInvoker Channel { get; }
    public Concerns.ConcernsClient Concerns { get; }
    public Health.HealthClient Health { get; }
    public string Output => process?.Output ?? "";

    /// <summary>The running hub's process id (for sampling its memory), or null while it is not running.</summary>
    public int? ProcessId => process is { HasExited: false } running ? running.Id : null;

    /// <summary>Settings for a hub whose clock the test moves (<see cref="MoveClockForward"/>): the offset file, allowed
    /// only in the Development environment (a Production hub refuses to start with it).</summary>
    public static IReadOnlyDictionary<string, string> MovableClock { get; } = new Dictionary<string, string>
    {
        ["Clock:OffsetFile"] = "clock-offset", // in the hub's working directory, its data folder
        ["DOTNET_ENVIRONMENT"] = "Development",
    };

    /// <param name="brokerUri">The broker to use; null for the embedded default (in-memory transport, adapters in process).</param>
    public static async Task<TestHub> StartAsync(string? brokerUri, IReadOnlyDictionary<string, string>? extra = null, string? directory = null, bool waitUntilServing = true)
    {
        directory ??= Path.Combine(Path.GetTempPath(), $"eh-hub-{Guid.NewGuid():N}");
        var settings = new Dictionary<string, string>
        {
            ["Store:Path"] = Path.Combine(directory, "hub.db"),
            ["Messaging:RabbitMq"] = brokerUri ?? "",
            ["Messaging:ConsumerCheck"] = "00:00:02", // as the test adapters
            ["Messaging:ConsumerMissingFor"] = "00:00:12",
            ["Operations:OperatorToken"] = OperatorToken,
            ["Adapters:Health:Mllp:Port"] = "0", // the embedded health adapter's MLLP listener on a free port
            // Tests call far faster than agencies do; the rate limit's own tests start hubs with a low one.
            ["Limits:RequestsPerSecond"] = "5000",
            ["Limits:Burst"] = "20000",
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string>()) settings[key] = value;
        var hub = new TestHub(directory, settings);
        try
        {
            await hub.StartProcessAsync(waitUntilServing: waitUntilServing);
        }
        catch
        {
            await hub.StopAsync(); // a fixture that failed to start is never disposed: do not leave its hub running
            throw;
        }
        return hub;
    }

    public async Task StartProcessAsync(IReadOnlyDictionary<string, string>? overrides = null, bool waitUntilServing = true)
    {
        var current = new Dictionary<string, string>(settings) { ["Urls"] = Address, ["Dashboard:Urls"] = DashboardAddress };
        foreach (var (name, port) in adapterPorts) current.TryAdd($"Adapters:{name}:Urls", $"http://127.0.0.1:{port}");
        foreach (var (key, value) in overrides ?? new Dictionary<string, string>()) current[key] = value;
        process = AppProcess.Start("src/EscalationHub.Server", "EscalationHub.Server", Directory, current);
        // Channels that saw the hub down back off their reconnects (up to minutes): start afresh with the new process.
        Callers.Reset();
        if (waitUntilServing) await WaitUntilServingAsync();
    }

    public void Kill() => process?.Kill();

    private TimeSpan clockOffset;

    /// <summary>Moves the hub's clock forward (the process re-reads its offset file within 100 ms). Only for a hub
    /// started with <see cref="MovableClock"/>.</summary>
    public void MoveClockForward(TimeSpan by)
    {
        if (!settings.ContainsKey("Clock:OffsetFile"))
            throw new InvalidOperationException("this hub's clock is not movable: start it with TestHub.MovableClock in its settings");
        clockOffset += by;
        System.IO.Directory.CreateDirectory(Directory);
        File.WriteAllText(Path.Combine(Directory, "clock-offset"), clockOffset.ToString("c", System.Globalization.CultureInfo.InvariantCulture));
    }

    public Escalations.EscalationsClient Escalations => new(Channel);

    public async Task StopAsync()
    {
        if (process is not null) await process.DisposeAsync();
        process = null;
    }

    public async Task<HealthCheckResponse.Types.ServingStatus> HealthStatusAsync()
    {
        // A fresh connection each time: a channel that saw the hub down backs off its reconnects (up to minutes).
        if (!File.Exists(Path.Combine(Callers.CertificatesDirectory, "ca.crt")))
            throw new RpcException(new Status(StatusCode.Unavailable, "the hub has not made its certificates yet"));
        GrpcChannel channel;
        try { channel = Callers.FreshAnonymousChannel(); }
        catch (Exception ex) when (ex is System.Security.Cryptography.CryptographicException or IOException)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, $"the hub's CA certificate is not readable yet: {ex.Message}"));
        }
        using var _ = channel;
        var response = await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(5));
        return response.Status;
    }

    public async Task WaitUntilServingAsync(TimeSpan? timeout = null)
    {
        // Several hubs starting at once on a loaded 2-core machine can take minutes to answer.
        var until = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(180));
        var last = "not answering";
        while (DateTime.UtcNow < until)
        {
            if (process is { HasExited: true })
                throw new InvalidOperationException($"the hub exited while starting:\n{Output}");
            try
            {
                var status = await HealthStatusAsync();
                if (status == HealthCheckResponse.Types.ServingStatus.Serving) return;
                last = status.ToString();
            }
            catch (RpcException ex)
            {
                last = ex.Status.ToString();
            }
            catch (FileNotFoundException)
            {
                last = "no certificates yet";
            }
            await Task.Delay(200);
        }
        throw new TimeoutException($"the hub did not report SERVING (last: {last}):\n{Output}");
    }

    /// <summary>A hub whose store is the given PostgreSQL database (Store:Provider=PostgreSQL); several may share it.</summary>
    public static Task<TestHub> StartOnPostgresAsync(string? brokerUri, string connectionString, string? directory = null,
        IReadOnlyDictionary<string, string>? extra = null) =>
        StartAsync(brokerUri, new Dictionary<string, string>(extra ?? new Dictionary<string, string>())
            { ["Store:Provider"] = "PostgreSQL", ["ConnectionStrings:Hub"] = connectionString }, directory);

    /// <summary>The hub's PostgreSQL database, when that is its store; null for its SQLite file.</summary>
    public string? PostgresConnectionString =>
        settings.GetValueOrDefault("Store:Provider") == "PostgreSQL" ? settings.GetValueOrDefault("ConnectionStrings:Hub") : null;

    /// <summary>Counts rows in one of the hub's tables, straight from its SQLite file (or its PostgreSQL database: then
    /// quote column names in <paramref name="where"/> and name parameters @name).</summary>
    public long Count(string table, string where = "1=1", params (string Name, object Value)[] parameters)
    {
        if (PostgresConnectionString is { } postgres) return PostgresQueries.Count(postgres, table, where, parameters);
        using var connection = new SqliteConnection($"Data Source={DatabasePath};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT COUNT(*) FROM \"{table}\" WHERE {where}";
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        return (long)command.ExecuteScalar()!;
    }

    /// <summary>The row counts once nothing is moving any more: no unsent messages, every concern to social care (whose
    /// simulated system answers them all) decided, and no change for a second; so a test can compare them with the
    /// counts after a request that must change nothing.</summary>
    public async Task<IReadOnlyDictionary<string, long>> SettledCountsAsync()
    {
        var until = DateTime.UtcNow.AddSeconds(30);
        var last = CountAll();
        var stableSince = DateTime.UtcNow;
        while (DateTime.UtcNow < until)
        {
            await Task.Delay(250);
            var now = CountAll();
            if (!now.SequenceEqual(last)) (last, stableSince) = (now, DateTime.UtcNow);
            // The embedded adapters register their approval keys once they start (four inbox rows that may come late).
            var embedded = string.IsNullOrEmpty(settings.GetValueOrDefault("Messaging:RabbitMq"));
            var quiet = Count("Outbox", "SentAt IS NULL") == 0
                        && (!embedded || Count("AgencyKeys") >= 4)
                        && Count("Concerns", "AddressedToAgency = 'leics-socialcare' AND Status <> 'Decided'") == 0;
            if (quiet && DateTime.UtcNow - stableSince >= TimeSpan.FromSeconds(1)) return now;
        }
        return last;
    }

    public IReadOnlyDictionary<string, long> CountAll() =>
        new[] { "ChildFiles", "Concerns", "ConcernStatusChanges", "Outbox", "Inbox" }.ToDictionary(t => t, t => Count(t));

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        Callers.Dispose();
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
    }
}

/// <summary>One embedded-default hub shared by the tests of a class.</summary>
public sealed class EmbeddedHub : IAsyncLifetime
{
    public TestHub Hub { get; private set; } = null!;

    public async Task InitializeAsync() => Hub = await TestHub.StartAsync(brokerUri: null);

    public async Task DisposeAsync() => await Hub.DisposeAsync();
}
