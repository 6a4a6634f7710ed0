using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using EscalationHub.IntegrationTests.Infrastructure;
using EscalationHub.Messaging;
using MassTransit;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace EscalationHub.IntegrationTests;

/// <summary>A broker booted with compose's rabbitmq.conf and enabled_plugins, as the compose service boots, with the
/// broker certificate made as compose/certs/README.md makes it (hubctl certs server ... --name rabbitmq). The only
/// changes to the file: the paths the definitions and certificates are mounted at, and free ports in place of 5671,
/// 15671 and 15692 (several brokers run on the test machines).</summary>
public sealed class ComposeBroker : IAsyncLifetime
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), $"eh-boot-{Guid.NewGuid():N}"[..20]);

    public RabbitMqNode Node { get; private set; } = null!;
    public string CertificatesDirectory => Path.Combine(directory, "certs");
    public string CaCertificate => Path.Combine(CertificatesDirectory, "ca.crt");
    public int TlsPort { get; } = Ports.Free(10000, 30000);
    public int ManagementTlsPort { get; } = Ports.Free(Ports.ServerMin, Ports.ServerMax);
    private readonly int prometheusPort = Ports.Free(Ports.ServerMin, Ports.ServerMax);

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(directory);
        // The partnership CA and the broker's certificate, for the name the clients use here.
        foreach (var args in new[]
                 {
                     new[] { "certs", "ca", "--dir", CertificatesDirectory },
                     new[] { "certs", "server", "localhost", "--name", "rabbitmq", "--dir", CertificatesDirectory },
                 })
        {
            var result = await Hubctl.RunAsync(args);
            Assert.True(result.ExitCode == 0, $"hubctl {string.Join(' ', args)}: {result.Output}");
        }

        var definitions = Path.Combine(directory, "definitions.json");
        File.Copy(Path.Combine(AppProcess.RepoRoot, "compose", "rabbitmq", "definitions.json"), definitions);
        var plugins = Path.Combine(directory, "enabled_plugins");
        File.Copy(Path.Combine(AppProcess.RepoRoot, "compose", "rabbitmq", "enabled_plugins"), plugins);
        var conf = await File.ReadAllTextAsync(Path.Combine(AppProcess.RepoRoot, "compose", "rabbitmq", "rabbitmq.conf"));
        foreach (var expected in new[] { "/etc/rabbitmq/definitions.json", "listeners.ssl.default = 5671", "management.ssl.port = 15671", "/etc/rabbitmq/certs/" })
            Assert.Contains(expected, conf);
        var confFile = Path.Combine(directory, "rabbitmq.conf");
        await File.WriteAllTextAsync(confFile, conf
            .Replace("/etc/rabbitmq/definitions.json", definitions)
            .Replace("/etc/rabbitmq/certs/", CertificatesDirectory + "/")
            .Replace("listeners.ssl.default = 5671", $"listeners.ssl.default = {TlsPort}")
            .Replace("management.ssl.port = 15671", $"management.ssl.port = {ManagementTlsPort}")
            + $"\nprometheus.tcp.port = {prometheusPort}\n");
        // The broker runs as the rabbitmq user (Debian's script drops to it, as the image does): give it its key.
        if (Environment.UserName == "root")
            RabbitMqNode.Run("chown", $"-R rabbitmq:rabbitmq {directory}");

        Node = new RabbitMqNode { NodeName = $"ehboot{Environment.ProcessId}@localhost", ConfigFile = confFile, EnabledPluginsFile = plugins };
        await Node.InitializeAsync();
    }

    public BusSettings Settings(string user, string password, string virtualHost, string host = "localhost", string? clusterNodes = null,
        string? caCertificate = null) => new()
    {
        RabbitMq = $"amqps://{Uri.EscapeDataString(user)}:{Uri.EscapeDataString(password)}@{host}:{TlsPort}/{Uri.EscapeDataString(virtualHost)}",
        ClusterNodes = clusterNodes,
        CaCertificate = caCertificate ?? CaCertificate,
    };

    public async Task DisposeAsync()
    {
        await Node.DisposeAsync();
        try { Directory.Delete(directory, recursive: true); } catch (IOException) { }
    }
}

/// <summary>The broker compose runs, booted from its own rabbitmq.conf: it loads the definitions by itself, listens
/// over TLS with the partnership's certificate, and the apps' connection code (BrokerConnection: MassTransit, and the
/// RabbitMQ.Client connections of the durable topology and redrive) reaches it over AMQPS and its management API over
/// HTTPS, refusing a broker whose certificate does not check out. In the broker collection so that epmd, which the
/// collection's node started, is left running for it.</summary>
[Collection(BrokerCollection.Name)]
public sealed class BrokerBootDefinitionsTests(ComposeBroker broker) : IClassFixture<ComposeBroker>
{
    private const string Agency = "leics-socialcare";

    [Fact]
    public async Task Booted_with_composes_rabbitmq_conf_the_broker_has_the_agency_users_and_quorum_queues_and_an_agency_may_consume_its_queue_over_amqps()
    {
        var queues = broker.Node.QueueTypes(RabbitMqNode.DefinitionsVirtualHost);
        var connection = BrokerConnection.From(broker.Settings(Agency, DevBrokerUsers.PasswordOf(Agency), RabbitMqNode.DefinitionsVirtualHost));
        await using var amqps = await connection.ConnectAsync("test-agency", CancellationToken.None);
        await using var channel = await amqps.CreateChannelAsync();
        var tag = await channel.BasicConsumeAsync($"agency.{Agency}", autoAck: false, new AsyncEventingBasicConsumer(channel));

        Assert.True(connection.UsesTls);
        Assert.Equal(broker.TlsPort, amqps.Endpoint.Port);
        Assert.True(amqps.Endpoint.Ssl.Enabled);
        Assert.Equal(["agency.leics-police", "agency.leics-socialcare", "agency.oakfield-school", "agency.uhl-health", "hub.inbound"], queues.Keys.Order());
        Assert.All(queues.Values, type => Assert.Equal("quorum", type));
        Assert.False(string.IsNullOrEmpty(tag));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("127.0.0.1")] // a second node: MassTransit's cluster path, one TLS setting for every node
    public async Task An_adapters_bus_consumes_its_queue_and_sends_to_it_over_amqps(string? otherNode)
    {
        // As the agency's adapter: its own broker user, its own quorum queue, in the definitions' virtual host.
        var received = new ConcurrentQueue<TlsPing>();
        var settings = broker.Settings(Agency, DevBrokerUsers.PasswordOf(Agency), RabbitMqNode.DefinitionsVirtualHost,
            clusterNodes: otherNode is null ? null : $"{otherNode}:{broker.TlsPort}");
        var connection = BrokerConnection.From(settings);
        var bus = Bus.Factory.CreateUsingRabbitMq(cfg =>
        {
            connection.ConfigureHost(cfg);
            cfg.ReceiveEndpoint($"agency.{Agency}", e =>
            {
                e.ConfigureConsumeTopology = false;
                e.PublishFaults = false;
                e.SetQuorumQueue();
                e.Handler<TlsPing>(context =>
                {
                    received.Enqueue(context.Message);
                    return Task.CompletedTask;
                });
            });
        });
        await bus.StartAsync(new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token);
        try
        {
            var ping = new TlsPing(Guid.NewGuid());
            await (await bus.GetSendEndpoint(new Uri($"exchange:agency.{Agency}"))).Send(ping);

            await Eventually.TrueAsync(() => Task.FromResult(received.Contains(ping)), "the ping sent over AMQPS is consumed", TimeSpan.FromSeconds(30));
            Assert.Equal(otherNode is null ? 1 : 2, connection.Nodes.Count);
            Assert.Contains(Agency, broker.Node.ConnectionUsers(RabbitMqNode.DefinitionsVirtualHost));
        }
        finally
        {
            await bus.StopAsync();
        }
    }

    [Fact]
    public async Task A_broker_whose_certificate_names_another_host_is_refused()
    {
        // The certificate names localhost; 127.0.0.1 is the same broker, but not the name it was issued for.
        var connection = BrokerConnection.From(broker.Settings(Agency, DevBrokerUsers.PasswordOf(Agency), RabbitMqNode.DefinitionsVirtualHost, host: "127.0.0.1"));

        var refused = await Assert.ThrowsAsync<BrokerUnreachableException>(() => connection.ConnectAsync("test-wrong-name", CancellationToken.None));
        Assert.True(RefusedByTls(refused), refused.ToString());
    }

    [Fact]
    public async Task A_broker_whose_certificate_is_not_from_the_partnership_ca_is_refused()
    {
        var other = Path.Combine(Path.GetTempPath(), $"eh-otherca-{Guid.NewGuid():N}"[..22]);
        try
        {
            var made = await Hubctl.RunAsync("certs", "ca", "--dir", other, "--name", "Not the partnership");
            Assert.Equal(0, made.ExitCode);
            var connection = BrokerConnection.From(broker.Settings(Agency, DevBrokerUsers.PasswordOf(Agency), RabbitMqNode.DefinitionsVirtualHost,
                caCertificate: Path.Combine(other, "ca.crt")));

            var refused = await Assert.ThrowsAsync<BrokerUnreachableException>(() => connection.ConnectAsync("test-other-ca", CancellationToken.None));
            Assert.True(RefusedByTls(refused), refused.ToString());
        }
        finally
        {
            try { Directory.Delete(other, recursive: true); } catch (IOException) { }
        }
    }

    [Fact]
    public async Task The_management_api_answers_over_https_to_a_client_trusting_the_partnership_ca_and_no_other()
    {
        var settings = broker.Settings("hub", DevBrokerUsers.PasswordOf("hub"), RabbitMqNode.DefinitionsVirtualHost);
        var whoami = new Uri($"https://localhost:{broker.ManagementTlsPort}/api/whoami");
        var credentials = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"hub:{DevBrokerUsers.PasswordOf("hub")}")));

        using var trusting = new HttpClient(BrokerConnection.ManagementHandler(settings));
        using var request = new HttpRequestMessage(HttpMethod.Get, whoami) { Headers = { Authorization = credentials } };
        using var response = await trusting.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"hub\"", await response.Content.ReadAsStringAsync());

        using var machineRoots = new HttpClient(new SocketsHttpHandler());
        await Assert.ThrowsAsync<HttpRequestException>(() => machineRoots.GetAsync(whoami));
    }

    /// <summary>The TLS handshake failed (the certificate was refused), not the login or the network.</summary>
    private static bool RefusedByTls(Exception refused)
    {
        for (Exception? e = refused; e is not null; e = e.InnerException)
        {
            if (e is System.Security.Authentication.AuthenticationException) return true;
            if (e is AggregateException aggregate && aggregate.InnerExceptions.Any(RefusedByTls)) return true;
        }
        return false;
    }
}

public sealed record TlsPing(Guid Id);

