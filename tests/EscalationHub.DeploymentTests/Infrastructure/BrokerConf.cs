namespace EscalationHub.DeploymentTests.Infrastructure;

/// <summary>compose/rabbitmq/rabbitmq.conf (or another file of that folder) as its key = value pairs (RabbitMQ's
/// sysctl-like format; comments and blank lines skipped).</summary>
public static class BrokerConf
{
    public static IReadOnlyDictionary<string, string> Load(string file = "rabbitmq.conf") =>
        File.ReadLines(Repo.PathOf("compose", "rabbitmq", file))
            .Select(l => l.Trim())
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => l.Split('=', 2))
            .ToDictionary(p => p[0].Trim(), p => p[1].Trim());

    /// <summary>The AMQPS listener's port.</summary>
    public static int SslPort => int.Parse(Load()["listeners.ssl.default"]);

    /// <summary>The management API's HTTPS port.</summary>
    public static int ManagementSslPort => int.Parse(Load()["management.ssl.port"]);
}
