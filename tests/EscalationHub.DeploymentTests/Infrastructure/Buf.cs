using System.Diagnostics;

namespace EscalationHub.DeploymentTests.Infrastructure;

/// <summary>buf (the Protobuf toolchain) from npm, as CI has it: <c>npx --yes @bufbuild/buf@1</c>, run from the
/// repository root (or the given folder). Exit codes: 0 clean, 100 lint or breaking-change findings, others errors.</summary>
public static class Buf
{
    public const int FindingsExitCode = 100;

    public static (int ExitCode, string Output) Run(string arguments, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo("npx", $"--yes @bufbuild/buf@1 {arguments}")
        {
            WorkingDirectory = workingDirectory ?? Repo.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)
            ?? throw new InvalidOperationException("npx could not be started: buf runs from npm (install Node.js and npm)");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        // The first run downloads buf from the npm registry; on a loaded machine that takes a while.
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"buf {arguments} did not finish");
        }
        return (process.ExitCode, (output.Result + errors.Result).Trim());
    }

    /// <summary>A copy of protos/ (buf.yaml and the .proto files) in a fresh temporary folder, to break on purpose.</summary>
    public static string CopyOfProtos()
    {
        var copy = Path.Combine(Path.GetTempPath(), $"eh-protos-{Guid.NewGuid():N}");
        foreach (var file in Directory.EnumerateFiles(Repo.PathOf("protos"), "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(copy, Path.GetRelativePath(Repo.PathOf("protos"), file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        return copy;
    }
}
