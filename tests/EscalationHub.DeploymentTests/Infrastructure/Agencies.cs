using System.Text.Json;

namespace EscalationHub.DeploymentTests.Infrastructure;

public static class Agencies
{
    /// <summary>The agency codes the hub registers (src/EscalationHub.Server/appsettings.json, "Agencies").</summary>
    public static IReadOnlyList<string> Codes()
    {
        using var settings = JsonDocument.Parse(File.ReadAllText(Repo.PathOf("src", "EscalationHub.Server", "appsettings.json")));
        return settings.RootElement.GetProperty("Agencies").EnumerateArray().Select(a => a.GetProperty("Code").GetString()!).ToList();
    }
}
