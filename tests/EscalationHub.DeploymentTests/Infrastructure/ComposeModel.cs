using YamlDotNet.RepresentationModel;

namespace EscalationHub.DeploymentTests.Infrastructure;

/// <summary>One service of the resolved compose file (docker-compose config: variables interpolated, paths absolute).</summary>
public sealed record ComposeService(
    string Name,
    string? Image,
    string? BuildContext,
    string? Dockerfile,
    IReadOnlyDictionary<string, string> BuildArgs,
    IReadOnlyDictionary<string, string> Environment,
    IReadOnlyList<ComposeMount> Mounts,
    IReadOnlyList<int> ContainerPorts,
    IReadOnlyList<string> HealthCheck,
    string? Hostname,
    IReadOnlyList<string> DependsOn,
    IReadOnlyList<ComposePort> Published)
{
    /// <summary>Services built from this repository (the hub and the adapters), as opposed to stock images.</summary>
    public bool IsApp => BuildContext is not null;

    public string Project => BuildArgs["PROJECT"];
    public string Assembly => BuildArgs["ASSEMBLY"];
}

/// <summary>A port published on the host: HostIp empty for every interface.</summary>
public sealed record ComposePort(string HostIp, int HostPort, int ContainerPort);

/// <summary>A volume or bind mount: Source is a named volume or an absolute host path.</summary>
public sealed record ComposeMount(string Source, string Target, bool ReadOnly, bool IsNamedVolume);

public sealed record ComposeModel(IReadOnlyList<ComposeService> Services, IReadOnlyList<string> Volumes)
{
    public ComposeService this[string name] => Services.Single(s => s.Name == name);

    /// <summary>Resolves compose/docker-compose.yml (with any overrides laid over it) with docker-compose and reads what it printed.</summary>
    public static ComposeModel Load() => Load([]);

    public static ComposeModel Load(string[] overrides)
    {
        var (exitCode, output, errors) = DockerCompose.Run("config", overrides);
        if (exitCode != 0) throw new InvalidOperationException($"docker-compose config failed ({exitCode}): {errors}");
        return Parse(output);
    }

    public static ComposeModel Parse(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        var root = (YamlMappingNode)stream.Documents[0].RootNode;
        var services = Map(root, "services")?.Children.Select(c => ParseService(((YamlScalarNode)c.Key).Value!, (YamlMappingNode)c.Value)).ToList() ?? [];
        var volumes = Map(root, "volumes")?.Children.Select(c => ((YamlScalarNode)c.Key).Value!).ToList() ?? [];
        return new ComposeModel(services, volumes);
    }

    private static ComposeService ParseService(string name, YamlMappingNode node)
    {
        var build = Map(node, "build");
        return new ComposeService(
            name,
            Scalar(node, "image"),
            build is null ? null : Scalar(build, "context"),
            build is null ? null : Scalar(build, "dockerfile") ?? "Dockerfile",
            build is null ? new Dictionary<string, string>() : Pairs(Map(build, "args")),
            Pairs(Map(node, "environment")),
            Sequence(node, "volumes").Select(ParseMount).ToList(),
            Sequence(node, "ports").Select(ParsePort).Concat(Sequence(node, "expose").Select(p => int.Parse(((YamlScalarNode)p).Value!))).ToList(),
            Map(node, "healthcheck") is { } health ? Sequence(health, "test").Select(t => ((YamlScalarNode)t).Value!).ToList() : [],
            Scalar(node, "hostname"),
            Map(node, "depends_on")?.Children.Select(c => ((YamlScalarNode)c.Key).Value!).ToList()
                ?? Sequence(node, "depends_on").Select(d => ((YamlScalarNode)d).Value!).ToList(),
            Sequence(node, "ports").Select(ParsePublished).ToList());
    }

    // "127.0.0.1:15671:15671", "5080:5080/tcp", or the long form (published, target, host_ip).
    private static ComposePort ParsePublished(YamlNode node)
    {
        if (node is YamlMappingNode map)
            return new ComposePort(Scalar(map, "host_ip") ?? "", int.Parse(Scalar(map, "published")!), int.Parse(Scalar(map, "target")!));
        var parts = ((YamlScalarNode)node).Value!.Split('/')[0].Split(':');
        return parts.Length switch
        {
            3 => new ComposePort(parts[0], int.Parse(parts[1]), int.Parse(parts[2])),
            2 => new ComposePort("", int.Parse(parts[0]), int.Parse(parts[1])),
            _ => throw new FormatException($"unexpected port entry {node}"),
        };
    }

    // docker-compose 1.29 prints mounts in the short form "source:target[:mode]".
    private static ComposeMount ParseMount(YamlNode node)
    {
        var text = ((YamlScalarNode)node).Value!;
        var parts = text.Split(':');
        var mode = parts.Length > 2 ? parts[2] : "rw";
        return new ComposeMount(parts[0], parts[1], mode.Split(',').Contains("ro"), !parts[0].StartsWith('/') && !parts[0].StartsWith('.'));
    }

    // Ports come out in the short form ("127.0.0.1:15672:15672", "5080:5080/tcp") or the long one (target: 5080).
    private static int ParsePort(YamlNode node) => node switch
    {
        YamlScalarNode scalar => int.Parse(scalar.Value!.Split('/')[0].Split(':').Last()),
        YamlMappingNode map => int.Parse(Scalar(map, "target")!),
        _ => throw new FormatException($"unexpected port entry {node}"),
    };

    private static YamlMappingNode? Map(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value as YamlMappingNode : null;

    private static string? Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) ? (value as YamlScalarNode)?.Value : null;

    private static IEnumerable<YamlNode> Sequence(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) && value is YamlSequenceNode sequence ? sequence.Children : [];

    private static Dictionary<string, string> Pairs(YamlMappingNode? node) =>
        node?.Children.ToDictionary(c => ((YamlScalarNode)c.Key).Value!, c => ((YamlScalarNode)c.Value).Value ?? "") ?? [];
}
