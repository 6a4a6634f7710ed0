using EscalationHub.DeploymentTests.Infrastructure;

namespace EscalationHub.DeploymentTests;

/// <summary>compose/docker-compose.postgres.yml, laid over docker-compose.yml: PostgreSQL as the hub's store and a
/// second hub replica on it. Valid for docker-compose, and naming only settings, ports and volumes that exist.</summary>
public sealed class PostgresComposeTests
{
    private const string Override = "docker-compose.postgres.yml";
    private static readonly Lazy<ComposeModel> Compose = new(() => ComposeModel.Load([Override]));

    private static IEnumerable<ComposeService> Hubs => Compose.Value.Services.Where(s => s.IsApp && s.Project == "src/EscalationHub.Server");

    [Fact]
    public void Docker_compose_accepts_the_file_laid_over_the_base_file()
    {
        var (exitCode, _, errors) = DockerCompose.Run("config --quiet", Override);

        Assert.True(exitCode == 0, $"docker-compose config failed: {errors}");
        Assert.DoesNotContain("WARNING", errors);
    }

    [Fact]
    public void Two_hubs_run_every_setting_they_are_given_being_one_the_hub_reads()
    {
        Assert.Equal(["hub", "hub-replica"], Hubs.Select(h => h.Name).Order());
        var settings = ProjectSettings.Of("src/EscalationHub.Server");
        Assert.All(Hubs, hub =>
        {
            var unknown = hub.Environment.Keys.Where(variable => !settings.Reads(variable)).ToList();
            Assert.True(unknown.Count == 0, $"{hub.Name} sets {string.Join(", ", unknown)}, which the hub never reads");
        });
    }

    [Fact]
    public void Both_hubs_select_the_PostgreSQL_store_of_the_postgres_service_as_its_user()
    {
        var postgres = Compose.Value["postgres"];
        Assert.StartsWith("postgres:", postgres.Image);
        Assert.All(Hubs, hub =>
        {
            Assert.Equal("PostgreSQL", hub.Environment["Store__Provider"]);
            var connection = hub.Environment["ConnectionStrings__Hub"].Split(';').Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
            Assert.Equal("postgres", connection["Host"]);
            Assert.Equal(postgres.Environment["POSTGRES_DB"], connection["Database"]);
            Assert.Equal(postgres.Environment["POSTGRES_USER"], connection["Username"]);
            Assert.Equal(postgres.Environment["POSTGRES_PASSWORD"], connection["Password"]);
        });
        Assert.Contains("pg_isready", postgres.HealthCheck);
    }

    [Fact]
    public void The_database_is_on_a_named_volume_of_its_own_and_the_hubs_share_the_volume_of_their_signing_key()
    {
        var postgres = Compose.Value["postgres"].Mounts.Single(m => m.Target == "/var/lib/postgresql/data");
        Assert.True(postgres is { IsNamedVolume: true, ReadOnly: false });
        Assert.Contains(postgres.Source, Compose.Value.Volumes);

        // Replicas sign tree heads with one key, kept in the folder of Store:Path.
        var keyVolumes = Hubs.Select(hub => hub.Mounts.Single(m => m.Target == Path.GetDirectoryName(hub.Environment["Store__Path"])).Source).Distinct().ToList();
        Assert.Single(keyVolumes);
        Assert.NotEqual(postgres.Source, keyVolumes[0]);
    }

    [Fact]
    public void Each_hub_listens_healthchecks_and_is_published_on_a_port_of_its_own()
    {
        Assert.All(Hubs, hub =>
        {
            var port = new Uri(hub.Environment["Urls"]).Port;
            var dashboard = new Uri(hub.Environment["Dashboard__Urls"]).Port;
            Assert.Equal([port, dashboard], hub.ContainerPorts.Distinct().Order());
            Assert.Contains(port.ToString(), hub.HealthCheck);
            Assert.Contains("grpc", hub.HealthCheck);
        });
        Assert.Equal("5081:5080", File.ReadAllLines(Repo.PathOf("compose", Override)).Select(l => l.Trim()).Where(l => l.StartsWith("- \"508"))
            .Select(l => l[3..l.IndexOf('"', 3)]).Single());
    }

    [Fact]
    public void The_replica_serves_the_same_mutual_tls_from_the_same_certificates_with_the_same_health_check_as_the_hub()
    {
        var hub = Compose.Value["hub"];
        var replica = Compose.Value["hub-replica"];

        Assert.Equal("https", new Uri(replica.Environment["Urls"]).Scheme);
        Assert.Equal(new Uri(hub.Environment["Urls"]).Port, new Uri(replica.Environment["Urls"]).Port);
        Assert.All(hub.Environment.Keys.Where(k => k.StartsWith("Tls__")), key => Assert.Equal(hub.Environment[key], replica.Environment[key]));
        Assert.Equal(hub.Environment.Keys.Where(k => k.StartsWith("Tls__")).Order(), replica.Environment.Keys.Where(k => k.StartsWith("Tls__")).Order());
        Assert.Equal(hub.HealthCheck, replica.HealthCheck);
        Assert.Contains(replica.Mounts, m => m is { Target: "/certs", ReadOnly: true } && m.Source == Repo.PathOf("compose", "certs"));
        // The same broker, over AMQPS, as the same broker user.
        Assert.Equal(hub.Environment["Messaging__RabbitMq"], replica.Environment["Messaging__RabbitMq"]);
        Assert.Equal(hub.Environment["Messaging__CaCertificate"], replica.Environment["Messaging__CaCertificate"]);
    }

    [Fact]
    public void Each_hubs_dashboard_is_served_over_https_on_a_loopback_port_of_its_own()
    {
        var published = Hubs.Select(hub =>
        {
            var dashboard = new Uri(hub.Environment["Dashboard__Urls"]);
            Assert.Equal("https", dashboard.Scheme);
            return Assert.Single(hub.Published, p => p.ContainerPort == dashboard.Port);
        }).ToList();

        Assert.All(published, p => Assert.Equal("127.0.0.1", p.HostIp));
        Assert.Equal(published.Count, published.Select(p => p.HostPort).Distinct().Count());
    }
}
