using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using EscalationHub.DeploymentTests.Infrastructure;
using EscalationHub.Security;
using Grpc.Health.V1;

namespace EscalationHub.DeploymentTests.Docs;

/// <summary>The embedded default as a page starts it (its own command, as written), waited on until its health
/// service answers SERVING to the development operator certificate it made, and stopped with everything it started.</summary>
public sealed class DocHub : IAsyncDisposable
{
    public const string Address = "https://127.0.0.1:5080";
    private static readonly string Certificates = Repo.PathOf("src/EscalationHub.Server/data/certs");
    private readonly StringBuilder output = new();
    private Process? process;

    public bool IsRunning => process is { HasExited: false };

    public string Output { get { lock (output) return output.ToString(); } }

    public async Task StartAsync(DocBlock block)
    {
        await StopAsync();
        foreach (var port in new[] { 5080, 5081, 5091, 5092, 5093, 5094, 2575 })
            Assert.False(Listening(port), $"{block}: port {port} is already in use; stop what listens there (a hub started by hand?) and run again");
        process = Process.Start(Shell.Bash(block.Text))!;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        // `dotnet run` checks the build first; several processes starting at once on two cores can take minutes.
        var deadline = DateTime.UtcNow.AddMinutes(5);
        while (true)
        {
            if (process.HasExited) Assert.Fail($"{block}: the hub exited ({process.ExitCode}) before it served:\n{Output}");
            if (DateTime.UtcNow > deadline) Assert.Fail($"{block}: the hub did not answer SERVING within 5 minutes:\n{Output}");
            if (await ServingAsync()) return;
            await Task.Delay(500);
        }
    }

    private static async Task<bool> ServingAsync()
    {
        var certificate = Path.Combine(Certificates, "operator-ops.crt");
        if (!File.Exists(certificate) || !File.Exists(Path.Combine(Certificates, "operator-ops.key"))) return false;
        try
        {
            using var channel = HubChannels.Create(Address, CertificateFiles.LoadWithKey(certificate), CertificateFiles.LoadCertificate(Path.Combine(Certificates, "ca.crt")));
            var answer = await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(5));
            return answer.Status == HealthCheckResponse.Types.ServingStatus.Serving;
        }
        catch (Exception ex) when (ex is Grpc.Core.RpcException or IOException or System.Security.Cryptography.CryptographicException)
        {
            return false;
        }
    }

    private static bool Listening(int port)
    {
        try
        {
            using var client = new TcpClient();
            return client.ConnectAsync("127.0.0.1", port).Wait(TimeSpan.FromMilliseconds(500));
        }
        catch (AggregateException) { return false; }
    }

    public async Task StopAsync()
    {
        if (process is null) return;
        if (!process.HasExited) process.Kill(entireProcessTree: true);
        Shell.StopGroup(process.Id);
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30)).ContinueWith(_ => { });
        process.Dispose();
        process = null;
    }

    public async ValueTask DisposeAsync() => await StopAsync();
}
