using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using EscalationHub.Messaging;
using EscalationHub.Security;

namespace EscalationHub.DeploymentTests;

/// <summary>The broker settings compose gives the apps (Messaging:RabbitMq, ClusterNodes, CaCertificate), read by
/// the code the apps run (BrokerConnection), and the check it makes of the broker's TLS certificate. No broker is
/// needed; tests/EscalationHub.IntegrationTests/BrokerBootDefinitionsTests connects to a real one over AMQPS.</summary>
public sealed class BrokerConnectionTests
{
    private static BrokerConnection Read(string uri, string? nodes = null, string? ca = "/certs/ca.crt") =>
        BrokerConnection.From(new BusSettings { RabbitMq = uri, ClusterNodes = nodes, CaCertificate = ca }, checkFiles: false);

    [Fact]
    public void A_plain_amqp_uri_is_one_node_on_5672_as_before()
    {
        var broker = Read("amqp://hub:s%40cret@rabbit.local/escalationhub", ca: null);

        Assert.False(broker.UsesTls);
        Assert.Equal([new BrokerNode("rabbit.local", 5672)], broker.Nodes);
        Assert.Equal(("hub", "s@cret", "escalationhub"), (broker.User, broker.Password, broker.VirtualHost));
        Assert.Equal("/", Read("amqp://guest:guest@127.0.0.1:5673/", ca: null).VirtualHost);
        Assert.Equal([new BrokerNode("127.0.0.1", 5673)], Read("amqp://guest:guest@127.0.0.1:5673/", ca: null).Nodes);
    }

    [Fact]
    public void An_amqps_uri_is_tls_on_5671_unless_told_another_port()
    {
        Assert.True(Read("amqps://hub:x@rabbitmq/escalationhub").UsesTls);
        Assert.Equal([new BrokerNode("rabbitmq", 5671)], Read("amqps://hub:x@rabbitmq/escalationhub").Nodes);
        Assert.Equal([new BrokerNode("rabbitmq", 6671)], Read("amqps://hub:x@rabbitmq:6671/escalationhub").Nodes);
    }

    [Fact]
    public void Cluster_nodes_follow_the_uris_node_each_once_with_the_uris_port_unless_given()
    {
        var broker = Read("amqps://hub:x@rabbitmq:5671/escalationhub", " rabbitmq, rabbitmq-2 ,rabbitmq-3:6000,,rabbitmq-2");

        Assert.Equal([new BrokerNode("rabbitmq", 5671), new BrokerNode("rabbitmq-2", 5671), new BrokerNode("rabbitmq-3", 6000)], broker.Nodes);
        Assert.Equal([new BrokerNode("a", 5672), new BrokerNode("b", 5672)], Read("amqp://u:p@a/", "b", ca: null).Nodes);
    }

    [Theory]
    [InlineData("http://hub:x@rabbitmq/", null, "/certs/ca.crt", "amqp:// or amqps://")]
    [InlineData("rabbitmq:5672", null, "/certs/ca.crt", "amqp:// or amqps://")]
    [InlineData("amqps://hub:x@rabbitmq/", null, null, "Messaging:CaCertificate is required")]
    [InlineData("amqps://hub:x@rabbitmq/", null, " ", "Messaging:CaCertificate is required")]
    [InlineData("amqp://hub:x@rabbitmq:5671/", null, null, "use an amqps:// URI")]
    [InlineData("amqp://hub:x@rabbitmq/", "rabbitmq-2:5671", null, "use an amqps:// URI")]
    [InlineData("amqps://hub:x@rabbitmq/", "user@rabbitmq-2", "/certs/ca.crt", "Messaging:ClusterNodes")]
    [InlineData("amqps://hub:x@rabbitmq/", "rabbitmq-2/vhost", "/certs/ca.crt", "Messaging:ClusterNodes")]
    public void Settings_that_would_connect_otherwise_than_meant_are_refused(string uri, string? nodes, string? ca, string message)
    {
        var error = Assert.Throws<InvalidOperationException>(() => Read(uri, nodes, ca));
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void At_start_a_missing_ca_file_is_refused_naming_it()
    {
        var error = Assert.Throws<FileNotFoundException>(() => BrokerConnection.From(
            new BusSettings { RabbitMq = "amqps://hub:x@rabbitmq/", CaCertificate = "/nowhere/ca.crt" }));
        Assert.Contains("/nowhere/ca.crt", error.Message);
    }

    [Fact]
    public void The_broker_certificate_must_chain_to_the_partnership_ca_and_name_a_configured_node()
    {
        var now = DateTimeOffset.UtcNow;
        using var ca = PartnershipCertificates.CreateCa("test partnership CA", now.AddMinutes(-5), now.AddDays(1));
        using var other = PartnershipCertificates.CreateCa("someone else's CA", now.AddMinutes(-5), now.AddDays(1));
        using var broker = PartnershipCertificates.IssueServer(ca, ["rabbitmq", "rabbitmq-2"], now.AddMinutes(-5), now.AddDays(1));
        using var impostor = PartnershipCertificates.IssueServer(other, ["rabbitmq"], now.AddMinutes(-5), now.AddDays(1));
        using var agency = PartnershipCertificates.IssueClient(ca, CallerIdentity.Agency("leics-police"), now.AddMinutes(-5), now.AddDays(1));
        // The flags .NET passes for a certificate whose CA is not among the machine's roots.
        const SslPolicyErrors untrustedRoot = SslPolicyErrors.RemoteCertificateChainErrors;

        Assert.True(BrokerConnection.Validator(ca, ["rabbitmq"])(this, broker, null, untrustedRoot));
        Assert.True(BrokerConnection.Validator(ca, ["rabbitmq-3", "rabbitmq-2"])(this, broker, null, untrustedRoot | SslPolicyErrors.RemoteCertificateNameMismatch));
        Assert.False(BrokerConnection.Validator(ca, ["rabbitmq-3"])(this, broker, null, untrustedRoot)); // names another host
        Assert.False(BrokerConnection.Validator(ca, ["rabbitmq"])(this, impostor, null, untrustedRoot)); // another CA
        Assert.False(BrokerConnection.Validator(ca, ["rabbitmq"])(this, agency, null, untrustedRoot)); // not a server certificate
        Assert.False(BrokerConnection.Validator(ca, ["rabbitmq"])(this, null, null, SslPolicyErrors.RemoteCertificateNotAvailable));
        Assert.False(BrokerConnection.Validator(ca, ["rabbitmq"])(this, broker, null, SslPolicyErrors.RemoteCertificateNotAvailable));
    }

    [Fact]
    public void The_tls_endpoints_check_each_nodes_own_name()
    {
        var now = DateTimeOffset.UtcNow;
        var directory = Directory.CreateTempSubdirectory("eh-broker-ca-");
        try
        {
            using var ca = PartnershipCertificates.CreateCa("test partnership CA", now.AddMinutes(-5), now.AddDays(1));
            CertificateFiles.Write(ca, directory.FullName, "ca");
            var broker = BrokerConnection.From(new BusSettings
            {
                RabbitMq = "amqps://hub:x@rabbitmq/escalationhub", ClusterNodes = "rabbitmq-2",
                CaCertificate = CertificateFiles.CertificatePath(directory.FullName, "ca"),
            });

            var endpoints = broker.Endpoints();
            Assert.Equal(["rabbitmq:5671", "rabbitmq-2:5671"], endpoints.Select(e => $"{e.HostName}:{e.Port}"));
            Assert.All(endpoints, e => Assert.True(e.Ssl.Enabled));
            Assert.Equal(["rabbitmq", "rabbitmq-2"], endpoints.Select(e => e.Ssl.ServerName));
            using var second = PartnershipCertificates.IssueServer(ca, ["rabbitmq-2"], now.AddMinutes(-5), now.AddDays(1));
            Assert.False(endpoints[0].Ssl.CertificateValidationCallback!(this, second, null, SslPolicyErrors.RemoteCertificateChainErrors));
            Assert.True(endpoints[1].Ssl.CertificateValidationCallback!(this, second, null, SslPolicyErrors.RemoteCertificateChainErrors));
            Assert.All(Read("amqp://u:p@a/", "b", ca: null).Endpoints(), e => Assert.False(e.Ssl.Enabled));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
