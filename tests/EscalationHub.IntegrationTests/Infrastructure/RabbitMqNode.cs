using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace EscalationHub.IntegrationTests.Infrastructure;

/// <summary>A private RabbitMQ node (Debian's rabbitmq-server) on a free port with its own node name and data
/// directory, started for the test run and stopped after. If it cannot start, the tests fail: they never skip.</summary>
public sealed class RabbitMqNode : IAsyncLifetime
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), $"eh-rabbit-{Guid.NewGuid():N}"[..20]);
    private Process? server;
    private bool? epmdWasRunning;

    public string NodeName { get; } = $"ehtest{Environment.ProcessId}@localhost";
    public int Port { get; } = Ports.Free(10000, 30000);
    public string AmqpUri => $"amqp://guest:guest@127.0.0.1:{Port}/";
    /// <summary>The management plugin's HTTP API (queue depths, error queues), on loopback.</summary>
    public int ManagementPort { get; } = Ports.Free(30000, 60000);
    public string ManagementUri => $"http://guest:guest@127.0.0.1:{ManagementPort}/";

    public async Task InitializeAsync()
    {
        if (!File.Exists("/usr/sbin/rabbitmq-server"))
            throw new InvalidOperationException("rabbitmq-server is not installed: run the README's test command (bash scripts/test.sh), which installs it with apt-get");

        epmdWasRunning ??= Run("pgrep", "-x epmd").ExitCode == 0;
        Directory.CreateDirectory(Path.Combine(directory, "mnesia"));
        Directory.CreateDirectory(Path.Combine(directory, "log"));
        await File.WriteAllTextAsync(Path.Combine(directory, "enabled_plugins"), "[rabbitmq_management].\n");
        await File.WriteAllTextAsync(Path.Combine(directory, "rabbitmq.conf"),
            $"management.tcp.port = {ManagementPort}\nmanagement.tcp.ip = 127.0.0.1\n");
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
        if (epmdWasRunning == false) Run("pkill", "-x epmd");
        try { Directory.Delete(directory, recursive: true); } catch (IOException) { }
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
