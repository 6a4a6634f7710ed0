using System.Diagnostics;
using System.Text;
using EscalationHub.DeploymentTests.Infrastructure;

namespace EscalationHub.DeploymentTests.Docs;

/// <summary>bash from the repository root, with what a reader's shell has: no colours, no .NET or npm chatter, and
/// the configuration the suite built in (so `dotnet run` uses the build under test instead of building Debug again).</summary>
public static class Shell
{
    public sealed record Result(int ExitCode, string Output, DocBlock? FailedBlock);

    public static ProcessStartInfo Bash(string script, string? workingDirectory = null)
    {
        // setsid: its own process group, so what a page leaves running in the background is stopped with it.
        var start = new ProcessStartInfo("setsid") { WorkingDirectory = workingDirectory ?? Repo.Root, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("bash");
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        start.Environment["Configuration"] = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/')).Parent!.Name;
        start.Environment["NO_COLOR"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["npm_config_update_notifier"] = "false";
        start.Environment["npm_config_fund"] = "false";
        foreach (var variable in new[] { "HUBCTL_HUB", "HUBCTL_CERT", "HUBCTL_KEY", "HUBCTL_CA" }) start.Environment.Remove(variable);
        return start;
    }

    public static Result Run(string script, TimeSpan timeout, string? workingDirectory = null)
    {
        using var process = Process.Start(Bash(script, workingDirectory))!;
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var finished = process.WaitForExit(timeout);
        StopGroup(process.Id);
        if (!finished) process.WaitForExit(TimeSpan.FromSeconds(10));
        // The group is gone; what it printed last is read until the pipes close (briefly: nothing holds them now).
        Task.Run(() => process.WaitForExit()).Wait(TimeSpan.FromSeconds(5));
        lock (output)
            return finished
                ? new Result(process.ExitCode, output.ToString(), null)
                : new Result(-1, output + $"\n(still running after {timeout.TotalSeconds:0} s: stopped)", null);
    }

    /// <summary>Stops every process of the group the session's bash leads (background jobs, their children).</summary>
    public static void StopGroup(int groupId)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-KILL", "--", $"-{groupId}" }, RedirectStandardError = true })!;
        kill.WaitForExit();
    }

    /// <summary>The blocks of one page in one shell session, in order, stopping at the first command that fails;
    /// what the page started in the background is stopped at the end.</summary>
    public static Result RunSession(IReadOnlyList<DocBlock> blocks, TimeSpan timeout)
    {
        var script = new StringBuilder("set -eo pipefail\n");
        for (var i = 0; i < blocks.Count; i++)
            script.Append($"echo '@@doc-block {i}' >&2\n{blocks[i].Text}\n");
        var result = Run(script.ToString(), timeout);
        if (result.ExitCode == 0) return result;
        var last = result.Output.Split('\n').LastOrDefault(l => l.StartsWith("@@doc-block ", StringComparison.Ordinal));
        return result with { FailedBlock = last is null ? null : blocks[int.Parse(last["@@doc-block ".Length..])] };
    }
}
