using EscalationHub.Contracts.V1;

namespace EscalationHub.Server.Agencies;

public sealed record Agency(string Code, string Name, AgencyType Type);

/// <summary>The agencies registered with the hub (configuration section "Agencies": code, name, type).</summary>
public sealed class AgencyDirectory
{
    private readonly Dictionary<string, Agency> agencies;

    public AgencyDirectory(IConfiguration configuration)
    {
        agencies = [];
        foreach (var section in configuration.GetSection("Agencies").GetChildren())
        {
            var code = section["Code"] ?? throw new InvalidOperationException($"Agencies:{section.Key}:Code is missing");
            if (!Enum.TryParse<AgencyType>(section["Type"]?.Replace("_", ""), ignoreCase: true, out var type)
                || type == AgencyType.Unspecified)
                throw new InvalidOperationException($"Agencies:{section.Key}:Type '{section["Type"]}' is not Health, Police, SocialCare or Education");
            agencies[code] = new Agency(code, section["Name"] ?? code, type);
        }
    }

    public IReadOnlyCollection<Agency> All => agencies.Values;

    public Agency? Find(string code) => agencies.GetValueOrDefault(code);
}
