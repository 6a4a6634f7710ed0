using System.Diagnostics;
using System.Text;

namespace EscalationHub.IntegrationTests.Infrastructure;

/// <summary>A built app (the hub or an adapter) started as its own process with settings in its environment, and
/// stopped gracefully or killed with SIGKILL by its own process id.</summary>
public sealed class AppProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly StringBuilder output = new();

    private AppProcess(Process process) => this.process = process;

    public int Id => process.Id;

    public string Output
    {
        get { lock (output) return output.ToString(); }
    }

    public static AppProcess Start(string projectDirectory, string assemblyName, string workingDirectory, IReadOnlyDictionary<string, string> settings)
    {
        var dll = BuiltAssembly(projectDirectory, assemblyName);
        // The data folder is the working directory: private to the user, or the app refuses to start.
        EscalationHub.Security.DataAtRest.CreatePrivateDirectory(workingDirectory);
        var start = new ProcessStartInfo("dotnet", $"\"{dll}\"")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["Logging__LogLevel__Default"] = "Information";
        foreach (var (key, value) in settings)
            start.Environment[key.Replace(":", "__")] = value;

        var app = new AppProcess(Process.Start(start)!);
        app.process.OutputDataReceived += (_, e) => app.Append(e.Data);
        app.process.ErrorDataReceived += (_, e) => app.Append(e.Data);
        app.process.BeginOutputReadLine();
        app.process.BeginErrorReadLine();
        return app;
    }

    public bool HasExited => process.HasExited;

    /// <summary>Waits for the process to end by itself (e.g. a refused start) and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try { await process.WaitForExitAsync(cancel.Token); }
        catch (OperationCanceledException) { throw new TimeoutException($"the process did not exit within {timeout}:\n{Output}"); }
        process.WaitForExit(); // the redirected output drained too
        return process.ExitCode;
    }

    /// <summary>SIGKILL: no shutdown hooks, no flushing; what was committed is all that survives.</summary>
    public void Kill()
    {
        if (!process.HasExited) process.Kill(entireProcessTree: true);
        process.WaitForExit(10_000);
    }

    private bool disposed;

    public async ValueTask DisposeAsync()
    {
        if (disposed) return;
        disposed = true;
        if (!process.HasExited)
        {
            RabbitMqNode.Run("kill", $"-TERM {process.Id}");
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            try { await process.WaitForExitAsync(timeout.Token); }
            catch (OperationCanceledException) { Kill(); }
        }
        process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (output) output.AppendLine(line);
    }

    private static string BuiltAssembly(string projectDirectory, string assemblyName)
    {
        // Same configuration as this test assembly: .../bin/<Configuration>/net10.0/
        var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
        var dll = Path.Combine(RepoRoot, projectDirectory, "bin", configuration, "net10.0", assemblyName + ".dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"{dll} is not built", dll);
    }

    public static string RepoRoot { get; } = FindRepoRoot();

    private static string FindRepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "EscalationHub.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("EscalationHub.sln not found above the test assembly");
    }
}
