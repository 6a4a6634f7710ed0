using System.Diagnostics;

namespace EscalationHub.IntegrationTests.Infrastructure;

/// <summary>hubctl run as its own process (the built dll), as an operator would run it.</summary>
public static class Hubctl
{
    public sealed record Result(int ExitCode, string Output);

    public static async Task<Result> RunAsync(IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
        var dll = Path.Combine(AppProcess.RepoRoot, "src/EscalationHub.Cli/bin", configuration, "net10.0", "hubctl.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(dll);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        start.Environment["NO_COLOR"] = "1";
        start.Environment["COLUMNS"] = "240";
        start.Environment.Remove("HUBCTL_HUB");
        foreach (var variable in new[] { "HUBCTL_CERT", "HUBCTL_KEY", "HUBCTL_CA", "HUBCTL_CA_DIR" }) start.Environment.Remove(variable);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) start.Environment[key] = value;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try { await process.WaitForExitAsync(timeout.Token); }
        catch (OperationCanceledException) { process.Kill(entireProcessTree: true); throw new TimeoutException($"hubctl {string.Join(' ', args)} did not finish"); }
        return new Result(process.ExitCode, await stdout + await stderr);
    }

    public static Task<Result> RunAsync(params string[] args) => RunAsync(null, args);
}
