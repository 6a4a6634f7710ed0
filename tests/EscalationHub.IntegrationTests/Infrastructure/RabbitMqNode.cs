using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace EscalationHub.IntegrationTests.Infrastructure;

/// <summary>A private RabbitMQ node (Debian's rabbitmq-server) on a free port with its own node name and data
/// directory, started for the test run and stopped after. If it cannot start, the tests fail: they never skip.</summary>
public sealed class RabbitMqNode : IAsyncLifetime
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), $"eh-rabbit-{Guid.NewGuid():N}"[..20]);
    private Process? server;
    private bool? epmdWasRunning;

    public string NodeName { get; init; } = $"ehtest{Environment.ProcessId}@localhost";

    /// <summary>A rabbitmq.conf to boot with (RABBITMQ_CONFIG_FILE); none by default.</summary>
    public string? ConfigFile { get; init; }

    /// <summary>An enabled_plugins file to boot with, alongside <see cref="ConfigFile"/> (none enabled by default then).</summary>
    public string? EnabledPluginsFile { get; init; }
    public int Port { get; } = Ports.Free(10000, 30000);
    public string AmqpUri => $"amqp://guest:guest@127.0.0.1:{Port}/";
    /// <summary>The management plugin's HTTP API (queue depths, error queues), on loopback.</summary>
    public int ManagementPort { get; } = Ports.Free(Ports.ServerMin, Ports.ServerMax);
    public string ManagementUri => $"http://guest:guest@127.0.0.1:{ManagementPort}/";

    /// <summary>The broker as a given user sees a given virtual host.</summary>
    public string AmqpUriFor(string user, string password, string virtualHost) =>
        $"amqp://{Uri.EscapeDataString(user)}:{Uri.EscapeDataString(password)}@127.0.0.1:{Port}/{Uri.EscapeDataString(virtualHost)}";

    /// <summary>Imports compose/rabbitmq/definitions.json (the users, permissions and durable topology production
    /// runs with) into a fresh virtual host of its own, so each test starts from exactly what the file declares.
    /// Returns that virtual host's name. Users are node-wide: importing again only sets the same passwords.</summary>
    public async Task<string> ApplyDefinitionsAsync()
    {
        var virtualHost = $"eh-{Guid.NewGuid():N}"[..15];
        var definitions = await File.ReadAllTextAsync(Path.Combine(AppProcess.RepoRoot, "compose", "rabbitmq", "definitions.json"));
        var file = Path.Combine(Path.GetTempPath(), $"{virtualHost}-definitions.json");
        await File.WriteAllTextAsync(file, definitions.Replace($"\"{DefinitionsVirtualHost}\"", $"\"{virtualHost}\""));
        try
        {
            Ctl($"import_definitions {file}");
            // The import is asynchronous: wait until the last things it declares (the bindings) are all there.
            var expected = JsonDocument.Parse(definitions).RootElement.GetProperty("bindings").GetArrayLength();
            var until = DateTime.UtcNow.AddSeconds(30);
            while (Rows($"list_bindings -p {virtualHost} source_name -q").Count(r => r[0] != "") < expected)
            {
                if (DateTime.UtcNow > until) throw new TimeoutException($"definitions were not imported into {virtualHost}");
                await Task.Delay(200);
            }
            return virtualHost;
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>The virtual host compose/rabbitmq/definitions.json declares everything in.</summary>
    public const string DefinitionsVirtualHost = "escalationhub";

    /// <summary>A fresh, empty virtual host where guest may do anything (for tests of what the apps declare themselves).</summary>
    public string CreateVirtualHost()
    {
        var virtualHost = $"eh-{Guid.NewGuid():N}"[..15];
        Ctl($"add_vhost {virtualHost}");
        Ctl($"set_permissions -p {virtualHost} guest .* .* .*");
        return virtualHost;
    }

    /// <summary>Every queue of a virtual host with its type (classic, quorum), as the broker reports it.</summary>
    public IReadOnlyDictionary<string, string> QueueTypes(string virtualHost) =>
        Rows($"list_queues -p {virtualHost} name type -q").ToDictionary(r => r[0], r => r[1]);

    /// <summary>Every exchange of a virtual host that is not one of the broker's own (amq.*, the default).</summary>
    public IReadOnlyList<string> Exchanges(string virtualHost) =>
        Rows($"list_exchanges -p {virtualHost} name -q").Select(r => r[0]).Where(n => n != "" && !n.StartsWith("amq.")).Order().ToList();

    /// <summary>The users of the connections open to a virtual host.</summary>
    public IReadOnlyList<string> ConnectionUsers(string virtualHost) =>
        Rows("list_connections user vhost -q").Where(r => r[1] == virtualHost).Select(r => r[0]).Distinct().Order().ToList();

    private IEnumerable<string[]> Rows(string arguments) =>
        Ctl(arguments).Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(l => l.Split('\t'));

    /// <summary>Raises (0) or lifts (0.4, the default) the node's memory alarm: while it is raised the broker blocks
    /// every publishing connection, so a message published meanwhile gets no confirm.</summary>
    public Task SetMemoryHighWatermarkAsync(double fraction) =>
        Task.Run(() => Ctl($"set_vm_memory_high_watermark {fraction.ToString(System.Globalization.CultureInfo.InvariantCulture)}"));

    private string Ctl(string arguments)
    {
        var (exitCode, output) = Run("rabbitmqctl", $"-n {NodeName} {arguments}", TimeSpan.FromSeconds(60));
        return exitCode == 0 ? output : throw new InvalidOperationException($"rabbitmqctl {arguments} failed: {output}");
    }

    public async Task InitializeAsync()
    {
        if (!File.Exists("/usr/sbin/rabbitmq-server"))
            throw new InvalidOperationException("rabbitmq-server is not installed: run the README's test command (bash scripts/test.sh), which installs it with apt-get");

        epmdWasRunning ??= Run("pgrep", "-x epmd").ExitCode == 0;
        Directory.CreateDirectory(Path.Combine(directory, "mnesia"));
        Directory.CreateDirectory(Path.Combine(directory, "log"));
        if (ConfigFile is null) // the management API on a free port, unless booting with a given configuration
        {
            await File.WriteAllTextAsync(Path.Combine(directory, "enabled_plugins"), "[rabbitmq_management].\n");
            await File.WriteAllTextAsync(Path.Combine(directory, "rabbitmq.conf"),
                $"management.tcp.port = {ManagementPort}\nmanagement.tcp.ip = 127.0.0.1\n");
        }
        if (Environment.UserName == "root")
            Run("chown", $"-R rabbitmq:rabbitmq {directory}"); // the Debian script drops to the rabbitmq user

        var start = new ProcessStartInfo("/usr/sbin/rabbitmq-server")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment =
            {
                ["RABBITMQ_NODENAME"] = NodeName,
                ["RABBITMQ_NODE_PORT"] = Port.ToString(),
                ["RABBITMQ_NODE_IP_ADDRESS"] = "127.0.0.1",
                ["RABBITMQ_DIST_PORT"] = (Port + 20000).ToString(),
                ["RABBITMQ_MNESIA_BASE"] = Path.Combine(directory, "mnesia"),
                ["RABBITMQ_LOG_BASE"] = Path.Combine(directory, "log"),
                ["RABBITMQ_ENABLED_PLUGINS_FILE"] = Path.Combine(directory, "enabled_plugins"),
                ["RABBITMQ_CONFIG_FILE"] = Path.Combine(directory, "rabbitmq.conf"),
            },
        };
        if (ConfigFile is not null) start.Environment["RABBITMQ_CONFIG_FILE"] = ConfigFile;
        if (EnabledPluginsFile is not null) start.Environment["RABBITMQ_ENABLED_PLUGINS_FILE"] = EnabledPluginsFile;
        server = Process.Start(start)!;
        server.OutputDataReceived += (_, _) => { };
        server.ErrorDataReceived += (_, _) => { };
        server.BeginOutputReadLine();
        server.BeginErrorReadLine();

        // await_startup fails at once while the node has not registered with epmd yet: ask again until it answers.
        var until = DateTime.UtcNow.AddSeconds(90);
        var ready = (ExitCode: -1, Output: "");
        while (DateTime.UtcNow < until)
        {
            ready = await Task.Run(() => Run("rabbitmqctl", $"-n {NodeName} --timeout 60 await_startup", TimeSpan.FromSeconds(75)));
            if (ready.ExitCode == 0) return;
            if (server.HasExited) break;
            await Task.Delay(500);
        }
        throw new InvalidOperationException($"RabbitMQ node {NodeName} did not start on port {Port}: {ready.Output}\n{Logs()}");
    }

    /// <summary>A fresh virtual host on the node, for a test whose queues must not hold what earlier tests left
    /// (e.g. feedback to an agency whose adapter was not running then); returns its AMQP URI.</summary>
    public async Task<string> NewVirtualHostAsync()
    {
        var name = $"t{Guid.NewGuid():N}"[..16];
        foreach (var arguments in new[] { $"-n {NodeName} add_vhost {name}", $"-n {NodeName} set_permissions -p {name} guest \".*\" \".*\" \".*\"" })
        {
            var result = await Task.Run(() => Run("rabbitmqctl", arguments, TimeSpan.FromSeconds(60)));
            if (result.ExitCode != 0) throw new InvalidOperationException($"rabbitmqctl {arguments} failed: {result.Output}");
        }
        return $"amqp://guest:guest@127.0.0.1:{Port}/{name}";
    }

    public async Task StopAsync()
    {
        await Task.Run(() => Run("rabbitmqctl", $"-n {NodeName} stop", TimeSpan.FromSeconds(60)));
        server?.WaitForExit(30_000);
    }

    public async Task StartAgainAsync()
    {
        await DisposeServerProcessAsync();
        await InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await StopAsync();
        await DisposeServerProcessAsync();
        if (epmdWasRunning == false) StopEpmdIfIdle();
        try { Directory.Delete(directory, recursive: true); } catch (IOException) { }
    }

    /// <summary>Stops the epmd this node started, by its process id, unless another node (e.g. another test run's on
    /// this machine) is registered with it meanwhile.</summary>
    private static void StopEpmdIfIdle()
    {
        var names = Run("epmd", "-names");
        if (names.ExitCode != 0 || names.Output.Split('\n').Any(l => l.StartsWith("name ", StringComparison.Ordinal))) return;
        foreach (var line in Run("pgrep", "-x epmd").Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(line, out var pid)) continue;
            try { using var epmd = Process.GetProcessById(pid); epmd.Kill(); }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception) { }
        }
    }

    private Task DisposeServerProcessAsync()
    {
        if (server is { HasExited: false }) server.Kill(entireProcessTree: true);
        server?.Dispose();
        server = null;
        return Task.CompletedTask;
    }

    private string Logs()
    {
        var logs = Directory.Exists(Path.Combine(directory, "log")) ? Directory.GetFiles(Path.Combine(directory, "log")) : [];
        return string.Join("\n", logs.Select(f => $"--- {f}\n{string.Join("\n", File.ReadLines(f).TakeLast(30))}"));
    }

    internal static (int ExitCode, string Output) Run(string file, string arguments, TimeSpan? timeout = null)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout ?? TimeSpan.FromSeconds(30)))
        {
            process.Kill(entireProcessTree: true);
            return (-1, "timed out");
        }
        return (process.ExitCode, output.Result + error.Result);
    }
}

public static class Ports
{
    // Servers the tests stop and start again on the same port (hubs, adapters, stubs) listen above Linux's ephemeral
    // range (32768-60999 by default): inside it, a client connection made while the server is down can take the port.
    public const int ServerMin = 61000;
    public const int ServerMax = 65500;

    /// <summary>A TCP port nobody listens on, within [min, max) (the broker needs port+20000 free too).</summary>
    public static int Free(int min = 10000, int max = 30000)
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var port = Random.Shared.Next(min, max);
            if (IsFree(port) && (max > 30000 || IsFree(port + 20000))) return port;
        }
        throw new InvalidOperationException("no free port found");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}

[CollectionDefinition(Name)]
public sealed class BrokerCollection : ICollectionFixture<RabbitMqNode>
{
    public const string Name = "RabbitMQ broker";
}
