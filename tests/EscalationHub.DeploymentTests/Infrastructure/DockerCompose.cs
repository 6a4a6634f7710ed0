using System.Diagnostics;

namespace EscalationHub.DeploymentTests.Infrastructure;

/// <summary>Debian's docker-compose (1.29), run on compose/docker-compose.yml from the compose folder, so it reads
/// compose/.env as `docker compose up` there would. No Docker engine is needed to validate and resolve the file.</summary>
public static class DockerCompose
{
    public static string ComposeFile => Repo.PathOf("compose", "docker-compose.yml");

    /// <param name="overrides">Files laid over docker-compose.yml (e.g. docker-compose.postgres.yml), in the compose folder.</param>
    public static (int ExitCode, string Output, string Errors) Run(string arguments, params string[] overrides)
    {
        var files = string.Concat(overrides.Select(o => $" -f \"{Repo.PathOf("compose", o)}\""));
        var executable = new[] { "/usr/bin/docker-compose", "/usr/local/bin/docker-compose" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("docker-compose is not installed: run the README's test command (bash scripts/test.sh), which installs Debian's docker-compose");
        var start = new ProcessStartInfo(executable, $"-f \"{ComposeFile}\"{files} {arguments}")
        {
            WorkingDirectory = Repo.PathOf("compose"),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"docker-compose {arguments} did not finish");
        }
        return (process.ExitCode, output.Result, errors.Result);
    }
}
