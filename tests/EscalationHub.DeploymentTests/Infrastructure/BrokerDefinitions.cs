using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace EscalationHub.DeploymentTests.Infrastructure;

public sealed record BrokerPermission(string User, string Configure, string Write, string Read)
{
    public bool MayConfigure(string resource) => Regex.IsMatch(resource, Configure);
    public bool MayWrite(string resource) => Regex.IsMatch(resource, Write);
    public bool MayRead(string resource) => Regex.IsMatch(resource, Read);
}

public sealed record BrokerQueue(string Name, string Type);

/// <summary>compose/rabbitmq/definitions.json, read.</summary>
public sealed class BrokerDefinitions
{
    private readonly Dictionary<string, string> passwordHashes;

    private BrokerDefinitions(JsonElement root)
    {
        VirtualHost = root.GetProperty("vhosts").EnumerateArray().Single().GetProperty("name").GetString()!;
        Users = root.GetProperty("users").EnumerateArray()
            .ToDictionary(u => u.GetProperty("name").GetString()!, u => u.GetProperty("tags").EnumerateArray().Select(t => t.GetString()!).ToList() as IReadOnlyList<string>);
        passwordHashes = root.GetProperty("users").EnumerateArray()
            .ToDictionary(u => u.GetProperty("name").GetString()!, u => u.GetProperty("password_hash").GetString()!);
        HashingAlgorithms = root.GetProperty("users").EnumerateArray().Select(u => u.GetProperty("hashing_algorithm").GetString()!).Distinct().ToList();
        Permissions = root.GetProperty("permissions").EnumerateArray().Select(p => new BrokerPermission(
            p.GetProperty("user").GetString()!, p.GetProperty("configure").GetString()!, p.GetProperty("write").GetString()!, p.GetProperty("read").GetString()!)).ToList();
        PermissionVirtualHosts = root.GetProperty("permissions").EnumerateArray().Select(p => p.GetProperty("vhost").GetString()!).Distinct().ToList();
        Queues = root.GetProperty("queues").EnumerateArray().Select(q => new BrokerQueue(q.GetProperty("name").GetString()!,
            q.GetProperty("arguments").TryGetProperty("x-queue-type", out var type) ? type.GetString()! : "classic")).ToList();
        Exchanges = root.GetProperty("exchanges").EnumerateArray().Select(e => e.GetProperty("name").GetString()!).ToList();
        Bindings = root.GetProperty("bindings").EnumerateArray().Select(b => (b.GetProperty("source").GetString()!, b.GetProperty("destination").GetString()!)).ToList();
    }

    public string VirtualHost { get; }
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Users { get; }
    public IReadOnlyList<string> HashingAlgorithms { get; }
    public IReadOnlyList<BrokerPermission> Permissions { get; }
    public IReadOnlyList<string> PermissionVirtualHosts { get; }
    public IReadOnlyList<BrokerQueue> Queues { get; }
    public IReadOnlyList<string> Exchanges { get; }
    public IReadOnlyList<(string Source, string Destination)> Bindings { get; }

    public BrokerPermission PermissionOf(string user) => Permissions.Single(p => p.User == user);

    /// <summary>rabbit_password_hashing_sha256: base64(salt[4] ++ SHA-256(salt ++ UTF-8 password)).</summary>
    public bool PasswordMatches(string user, string password)
    {
        if (!passwordHashes.TryGetValue(user, out var encoded)) return false;
        var hash = Convert.FromBase64String(encoded);
        var salt = hash[..4];
        return SHA256.HashData([.. salt, .. Encoding.UTF8.GetBytes(password)]).AsSpan().SequenceEqual(hash[4..]);
    }

    public static BrokerDefinitions Load()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Repo.PathOf("compose", "rabbitmq", "definitions.json")));
        return new BrokerDefinitions(document.RootElement.Clone());
    }

    /// <summary>compose/.env: the development-only passwords, {USER}_AMQP_PASSWORD.</summary>
    public static IReadOnlyDictionary<string, string> DevPasswords() =>
        File.ReadLines(Repo.PathOf("compose", ".env"))
            .Where(l => l.Contains('=') && !l.TrimStart().StartsWith('#'))
            .Select(l => l.Split('=', 2))
            .Where(p => p[0].EndsWith("_AMQP_PASSWORD"))
            .ToDictionary(p => p[0][..^"_AMQP_PASSWORD".Length].ToLowerInvariant().Replace('_', '-'), p => p[1].Trim());
}
