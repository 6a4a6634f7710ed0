namespace EscalationHub.IntegrationTests.Infrastructure;

/// <summary>The development-only broker passwords from compose/.env (the same ones whose hashes are in
/// compose/rabbitmq/definitions.json): user name -> password.</summary>
public static class DevBrokerUsers
{
    private static readonly Lazy<IReadOnlyDictionary<string, string>> Passwords = new(Load);

    public static string PasswordOf(string user) => Passwords.Value.TryGetValue(user, out var password)
        ? password
        : throw new KeyNotFoundException($"compose/.env has no password for broker user '{user}'");

    /// <summary>compose/.env names a user's password {USER}_AMQP_PASSWORD, the user upper-cased with - as _.</summary>
    public static string VariableFor(string user) => $"{user.ToUpperInvariant().Replace('-', '_')}_AMQP_PASSWORD";

    private static IReadOnlyDictionary<string, string> Load()
    {
        var variables = File.ReadLines(Path.Combine(AppProcess.RepoRoot, "compose", ".env"))
            .Where(l => l.Contains('=') && !l.TrimStart().StartsWith('#'))
            .Select(l => l.Split('=', 2))
            .ToDictionary(p => p[0].Trim(), p => p[1].Trim());
        return new[] { "hub", "uhl-health", "leics-police", "leics-socialcare", "oakfield-school", "ops" }
            .Where(u => variables.ContainsKey(VariableFor(u)))
            .ToDictionary(u => u, u => variables[VariableFor(u)]);
    }
}
