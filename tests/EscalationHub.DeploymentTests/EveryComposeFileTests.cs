using EscalationHub.DeploymentTests.Infrastructure;

namespace EscalationHub.DeploymentTests;

/// <summary>Every compose file in compose/, in every combination the documentation gives, is valid for docker-compose
/// and sets on each app service only settings that service's code reads.</summary>
public sealed class EveryComposeFileTests
{
    /// <summary>The files laid over docker-compose.yml, as docs/production.md runs them.</summary>
    private static readonly string[][] Combinations =
    [
        [],
        ["docker-compose.postgres.yml"],
        ["docker-compose.cluster.yml"],
        ["docker-compose.postgres.yml", "docker-compose.cluster.yml", "docker-compose.cluster.postgres.yml"],
    ];

    public static TheoryData<string> Combination() => new(Combinations.Select(c => string.Join(" ", c)));

    private static string[] Overrides(string combination) => combination.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    [Fact]
    public void Every_compose_file_in_the_folder_is_in_a_combination_checked_here()
    {
        var files = Directory.GetFiles(Repo.PathOf("compose"), "*.yml").Concat(Directory.GetFiles(Repo.PathOf("compose"), "*.yaml"))
            .Select(Path.GetFileName).Order();

        Assert.Equal(Combinations.SelectMany(c => c).Append("docker-compose.yml").Distinct().Order(), files);
    }

    [Theory]
    [MemberData(nameof(Combination))]
    public void Docker_compose_accepts_the_files(string combination)
    {
        var (exitCode, _, errors) = DockerCompose.Run("config --quiet", Overrides(combination));

        Assert.True(exitCode == 0, $"docker-compose config failed: {errors}");
        Assert.DoesNotContain("WARNING", errors);
    }

    [Theory]
    [MemberData(nameof(Combination))]
    public void Every_environment_variable_of_every_app_service_is_a_setting_its_code_reads(string combination)
    {
        var apps = ComposeModel.Load(Overrides(combination)).Services.Where(s => s.IsApp).ToList();

        Assert.NotEmpty(apps);
        Assert.All(apps, service =>
        {
            var settings = ProjectSettings.Of(service.Project);
            var unknown = service.Environment.Keys.Where(variable => !settings.Reads(variable)).ToList();
            Assert.True(unknown.Count == 0, $"{service.Name} sets {string.Join(", ", unknown)}, which {service.Project} never reads");
        });
    }

    [Theory]
    [MemberData(nameof(Combination))]
    public void Every_app_connects_to_the_broker_over_tls_checked_against_the_mounted_partnership_ca(string combination)
    {
        var apps = ComposeModel.Load(Overrides(combination)).Services.Where(s => s.IsApp).ToList();

        Assert.All(apps, service =>
        {
            Assert.Equal("amqps", new Uri(service.Environment["Messaging__RabbitMq"]).Scheme);
            Assert.Equal("/certs/ca.crt", service.Environment["Messaging__CaCertificate"]);
            Assert.Contains(service.Mounts, m => m is { Target: "/certs", ReadOnly: true });
        });
    }
}
