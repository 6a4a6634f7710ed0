namespace EscalationHub.DeploymentTests.Infrastructure;

public static class Repo
{
    public static string Root { get; } = FindRoot();

    public static string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "EscalationHub.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("EscalationHub.sln not found above the test assembly");
    }
}
