using EscalationHub.DeploymentTests.Infrastructure;
using EscalationHub.Messaging;

namespace EscalationHub.DeploymentTests;

/// <summary>compose/docker-compose.cluster.yml, laid over docker-compose.yml: a three-node RabbitMQ cluster with quorum
/// queues, and the hub and every adapter given every node (Messaging:ClusterNodes, read by the apps' own code).</summary>
public sealed class ClusterComposeTests
{
    private const string Override = "docker-compose.cluster.yml";
    private static readonly Lazy<ComposeModel> Compose = new(() => ComposeModel.Load([Override]));

    private static IReadOnlyList<ComposeService> Nodes => Compose.Value.Services.Where(s => s.Image?.StartsWith("rabbitmq:") == true).ToList();
    private static IEnumerable<ComposeService> Apps => Compose.Value.Services.Where(s => s.IsApp);

    [Fact]
    public void Docker_compose_accepts_the_file_laid_over_the_base_file()
    {
        var (exitCode, _, errors) = DockerCompose.Run("config --quiet", Override);

        Assert.True(exitCode == 0, $"docker-compose config failed: {errors}");
        Assert.DoesNotContain("WARNING", errors);
    }

    [Fact]
    public void Three_broker_nodes_named_as_the_cluster_configuration_lists_them()
    {
        var cluster = BrokerConf.Load("cluster.conf");
        var listed = cluster.Where(c => c.Key.StartsWith("cluster_formation.classic_config.nodes.")).Select(c => c.Value).Order().ToList();

        Assert.Equal(3, Nodes.Count);
        Assert.Equal("classic_config", cluster["cluster_formation.peer_discovery_backend"]);
        Assert.Equal(Nodes.Select(n => $"rabbit@{n.Hostname}").Order(), listed);
        Assert.Equal("3", cluster["cluster_formation.target_cluster_size_hint"]);
        Assert.Equal("pause_minority", cluster["cluster_partition_handling"]);
        Assert.Single(Nodes.Select(n => n.Image).Distinct());
    }

    [Fact]
    public void Every_node_runs_the_same_configuration_definitions_certificate_and_erlang_cookie_with_a_data_volume_of_its_own()
    {
        var first = Nodes.Single(n => n.Name == "rabbitmq");
        var shared = first.Mounts.Where(m => !m.IsNamedVolume).OrderBy(m => m.Target).ToList();

        Assert.Contains(shared, m => m.Target == "/etc/rabbitmq/conf.d/20-cluster.conf" && m.Source == Repo.PathOf("compose", "rabbitmq", "cluster.conf") && m.ReadOnly);
        Assert.All(Nodes, node =>
        {
            Assert.Equal(shared, node.Mounts.Where(m => !m.IsNamedVolume).OrderBy(m => m.Target));
            Assert.Equal(first.Environment["RABBITMQ_ERLANG_COOKIE"], node.Environment["RABBITMQ_ERLANG_COOKIE"]);
            Assert.Equal(first.HealthCheck, node.HealthCheck);
            var data = Assert.Single(node.Mounts, m => m.Target == "/var/lib/rabbitmq");
            Assert.True(data is { IsNamedVolume: true, ReadOnly: false });
            Assert.Contains(data.Source, Compose.Value.Volumes);
        });
        Assert.Equal(Nodes.Count, Nodes.Select(n => n.Mounts.Single(m => m.Target == "/var/lib/rabbitmq").Source).Distinct().Count());
        Assert.StartsWith("dev-only-", first.Environment["RABBITMQ_ERLANG_COOKIE"]);
    }

    [Fact]
    public void The_hub_and_every_adapter_are_given_every_node_over_amqps_and_wait_for_all_of_them()
    {
        var hosts = Nodes.Select(n => n.Hostname!).Order().ToList();

        Assert.Equal(["adapter-education", "adapter-health", "adapter-police", "adapter-socialcare", "hub"], Apps.Select(a => a.Name).Order());
        Assert.All(Apps, app =>
        {
            // Read as the apps read it.
            var broker = BrokerConnection.From(new BusSettings
            {
                RabbitMq = app.Environment["Messaging__RabbitMq"],
                ClusterNodes = app.Environment["Messaging__ClusterNodes"],
                CaCertificate = app.Environment["Messaging__CaCertificate"],
                QuorumQueues = bool.Parse(app.Environment["Messaging__QuorumQueues"]),
            }, checkFiles: false);
            Assert.True(broker.UsesTls);
            Assert.Equal(hosts, broker.Nodes.Select(n => n.Host).Order());
            Assert.All(broker.Nodes, n => Assert.Equal(BrokerConf.SslPort, n.Port));
            Assert.Equal("true", app.Environment["Messaging__QuorumQueues"]);
            Assert.Superset(Nodes.Select(n => n.Name).ToHashSet(), app.DependsOn.ToHashSet());
        });
    }

    [Fact]
    public void Every_queue_is_a_quorum_queue_replicated_by_the_cluster()
    {
        Assert.All(BrokerDefinitions.Load().Queues, q => Assert.Equal("quorum", q.Type));
    }

    [Fact]
    public void With_the_postgres_replica_too_every_hub_is_given_every_node()
    {
        var all = ComposeModel.Load(["docker-compose.postgres.yml", Override, "docker-compose.cluster.postgres.yml"]);
        var hubs = all.Services.Where(s => s.IsApp && s.Project == "src/EscalationHub.Server").ToList();

        Assert.Equal(["hub", "hub-replica"], hubs.Select(h => h.Name).Order());
        Assert.All(hubs, hub =>
        {
            Assert.Equal(Nodes.Select(n => n.Hostname).Order(), hub.Environment["Messaging__ClusterNodes"].Split(',').Order());
            Assert.Superset(Nodes.Select(n => n.Name).ToHashSet(), hub.DependsOn.ToHashSet());
        });
    }

    [Fact]
    public void One_broker_certificate_names_every_node_as_the_documentation_issues_it()
    {
        var command = $"hubctl certs server {string.Join(' ', Nodes.Select(n => n.Hostname).Order())} --name rabbitmq --dir compose/certs";

        Assert.Contains(command, File.ReadAllText(Repo.PathOf("compose", "certs", "README.md")));
    }
}
