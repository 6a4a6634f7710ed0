using System.Diagnostics;

namespace EscalationHub.DeploymentTests.Docs;

/// <summary>docker-compose run from a given directory with the files a documented command names.</summary>
public static class ComposeConfig
{
    public static (int ExitCode, string Errors) Check(string directory, IEnumerable<string> files)
    {
        var start = new ProcessStartInfo("docker-compose") { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var file in files) { start.ArgumentList.Add("-f"); start.ArgumentList.Add(file); }
        start.ArgumentList.Add("config");
        start.ArgumentList.Add("-q");
        using var process = Process.Start(start)!;
        var errors = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, errors.Result);
    }
}
