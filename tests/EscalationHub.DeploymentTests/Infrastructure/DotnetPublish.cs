using System.Diagnostics;

namespace EscalationHub.DeploymentTests.Infrastructure;

/// <summary>`dotnet publish` of an app project, as compose/Dockerfile runs it, into a fresh folder. Reuses the build
/// this test run already made (same configuration as the test assembly) when there is one.</summary>
public static class DotnetPublish
{
    public static (int ExitCode, string Output, string Directory) Run(string projectDirectory, string assembly)
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
        var built = File.Exists(Repo.PathOf(projectDirectory, "bin", configuration, "net10.0", assembly + ".dll"));
        var output = Path.Combine(Path.GetTempPath(), $"eh-publish-{Guid.NewGuid():N}");
        var start = new ProcessStartInfo("dotnet",
            $"publish \"{Repo.PathOf(projectDirectory)}\" -c {configuration} -o \"{output}\" --nologo {(built ? "--no-build" : "")} -nodeReuse:false -p:UseSharedCompilation=false")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"dotnet publish {projectDirectory} did not finish");
        }
        return (process.ExitCode, stdout.Result + stderr.Result, output);
    }
}
