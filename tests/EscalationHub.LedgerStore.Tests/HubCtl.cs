using System.Diagnostics;

namespace EscalationHub.LedgerStore.Tests;

/// <summary>The built hubctl, run as its own process.</summary>
public static class HubCtl
{
    public sealed record Result(int ExitCode, string Output, string Error)
    {
        public string All => Output + Error;
    }

    public static async Task<Result> RunAsync(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Dll);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        start.Environment["NO_COLOR"] = "1";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return new Result(process.ExitCode, await output, await error);
    }

    private static string Dll
    {
        get
        {
            // Same configuration as this test assembly: .../bin/<Configuration>/net10.0/
            var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "EscalationHub.sln"))) dir = dir.Parent;
            var dll = Path.Combine(dir!.FullName, "src", "EscalationHub.Cli", "bin", configuration, "net10.0", "hubctl.dll");
            return File.Exists(dll) ? dll : throw new FileNotFoundException($"{dll} is not built", dll);
        }
    }
}
