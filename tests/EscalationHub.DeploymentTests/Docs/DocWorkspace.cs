using EscalationHub.DeploymentTests.Infrastructure;

namespace EscalationHub.DeploymentTests.Docs;

/// <summary>The files the documented commands make in the working tree (the embedded default's data folder, the
/// compose certificates, what a page writes to the repository root): set aside before the run and put back after,
/// so the doc-test starts from what a fresh clone has and leaves a developer's own files as they were.</summary>
public sealed class DocWorkspace : IAsyncDisposable
{
    private static readonly string[] Folders = ["src/EscalationHub.Server/data", "compose/certs", "backups"];
    private readonly string aside = Path.Combine(Repo.Root, $".doc-test-aside-{Environment.ProcessId}");
    private readonly List<string> moved = [];

    private DocWorkspace() { }

    public static DocWorkspace Take()
    {
        var workspace = new DocWorkspace();
        Directory.CreateDirectory(workspace.aside);
        foreach (var folder in Folders)
        {
            var path = Repo.PathOf(folder);
            if (!Directory.Exists(path)) continue;
            Directory.Move(path, Path.Combine(workspace.aside, folder.Replace('/', '_')));
            workspace.moved.Add(folder);
        }
        // What git keeps in compose/certs (its README) stays where the pages expect it.
        if (workspace.moved.Contains("compose/certs"))
        {
            Directory.CreateDirectory(Repo.PathOf("compose/certs"));
            File.Copy(Path.Combine(workspace.aside, "compose_certs", "README.md"), Repo.PathOf("compose/certs/README.md"));
        }
        return workspace;
    }

    public ValueTask DisposeAsync()
    {
        foreach (var folder in Folders)
        {
            var path = Repo.PathOf(folder);
            var saved = Path.Combine(aside, folder.Replace('/', '_'));
            if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
            if (moved.Contains(folder)) Directory.Move(saved, path);
        }
        Directory.Delete(aside, recursive: true);
        return ValueTask.CompletedTask;
    }
}
