using EscalationHub.IntegrationTests.Infrastructure;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace EscalationHub.IntegrationTests;

/// <summary>A broker booted with compose's rabbitmq.conf loads the definitions by itself, as the compose service does
/// (the only change: the path the file is mounted at). In the broker collection so that epmd, which the collection's
/// node started, is left running for it.</summary>
[Collection(BrokerCollection.Name)]
public sealed class BrokerBootDefinitionsTests : IAsyncLifetime
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), $"eh-boot-{Guid.NewGuid():N}"[..20]);
    private RabbitMqNode node = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(directory);
        var definitions = Path.Combine(directory, "definitions.json");
        File.Copy(Path.Combine(AppProcess.RepoRoot, "compose", "rabbitmq", "definitions.json"), definitions);
        var conf = await File.ReadAllTextAsync(Path.Combine(AppProcess.RepoRoot, "compose", "rabbitmq", "rabbitmq.conf"));
        Assert.Contains("/etc/rabbitmq/definitions.json", conf);
        var confFile = Path.Combine(directory, "rabbitmq.conf");
        await File.WriteAllTextAsync(confFile, conf.Replace("/etc/rabbitmq/definitions.json", definitions));
        node = new RabbitMqNode { NodeName = $"ehboot{Environment.ProcessId}@localhost", ConfigFile = confFile };
        await node.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await node.DisposeAsync();
        try { Directory.Delete(directory, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public async Task Booted_with_composes_rabbitmq_conf_the_broker_has_the_agency_users_and_quorum_queues_and_an_agency_may_consume_its_queue()
    {
        var queues = node.QueueTypes(RabbitMqNode.DefinitionsVirtualHost);
        var uri = node.AmqpUriFor("leics-socialcare", DevBrokerUsers.PasswordOf("leics-socialcare"), RabbitMqNode.DefinitionsVirtualHost);
        await using var connection = await new ConnectionFactory { Uri = new Uri(uri) }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        var tag = await channel.BasicConsumeAsync("agency.leics-socialcare", autoAck: false, new AsyncEventingBasicConsumer(channel));

        Assert.Equal(["agency.leics-police", "agency.leics-socialcare", "agency.oakfield-school", "agency.uhl-health", "hub.inbound"], queues.Keys.Order());
        Assert.All(queues.Values, type => Assert.Equal("quorum", type));
        Assert.False(string.IsNullOrEmpty(tag));
    }
}
