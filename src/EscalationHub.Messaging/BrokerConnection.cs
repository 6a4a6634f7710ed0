using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using EscalationHub.Security;
using MassTransit;
using RabbitMQ.Client;

namespace EscalationHub.Messaging;

/// <summary>Where the broker is and how to reach it, read from the Messaging settings the same way by the bus
/// (MassTransit), the durable topology, the hub's redrive and the tests:
/// <list type="bullet">
/// <item>RabbitMq: one URI, <c>amqp://user:password@host[:port]/vhost</c> or <c>amqps://…</c> (TLS; default port 5671).
/// It gives the user, password, virtual host, TLS or not, and the first node.</item>
/// <item>ClusterNodes: the other nodes of the same cluster, comma-separated <c>host</c> or <c>host:port</c> (the
/// port defaults to the URI's). The URI's node comes first; a node listed twice counts once.</item>
/// <item>CaCertificate: the partnership CA (PEM) the broker's certificate must chain to; required with amqps (the
/// machine's roots are never trusted for the broker). The certificate must name the host connected to.</item>
/// </list></summary>
public sealed class BrokerConnection
{
    public const int AmqpPort = 5672;
    public const int AmqpsPort = 5671;
    private const SslProtocols Protocols = SslProtocols.Tls12 | SslProtocols.Tls13;

    private BrokerConnection(bool usesTls, IReadOnlyList<BrokerNode> nodes, string user, string password, string virtualHost, string? caCertificate)
    {
        UsesTls = usesTls;
        Nodes = nodes;
        User = user;
        Password = password;
        VirtualHost = virtualHost;
        CaCertificatePath = caCertificate;
    }

    public bool UsesTls { get; }
    public IReadOnlyList<BrokerNode> Nodes { get; }
    public string User { get; }
    public string Password { get; }
    public string VirtualHost { get; }
    public string? CaCertificatePath { get; }

    /// <param name="checkFiles">Whether the CA file must exist now (at start); false to read settings only.</param>
    public static BrokerConnection From(BusSettings settings, bool checkFiles = true)
    {
        if (!settings.UsesBroker) throw new InvalidOperationException("Messaging:RabbitMq is not set");
        if (!Uri.TryCreate(settings.RabbitMq!.Trim(), UriKind.Absolute, out var broker) || broker.Scheme is not ("amqp" or "amqps"))
            throw new InvalidOperationException("Messaging:RabbitMq must be an amqp:// or amqps:// URI, e.g. amqps://hub:secret@rabbitmq:5671/escalationhub");
        var tls = broker.Scheme == "amqps";
        var defaultPort = broker.IsDefaultPort || broker.Port < 0 ? (tls ? AmqpsPort : AmqpPort) : broker.Port;
        var nodes = new List<BrokerNode> { new(broker.Host, defaultPort) };
        foreach (var entry in (settings.ClusterNodes ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var node = BrokerNode.Parse(entry, defaultPort);
            if (!nodes.Contains(node)) nodes.Add(node);
        }
        // MassTransit turns TLS on by itself for port 5671, without our checks: plain AMQP there is a mistake.
        if (!tls && nodes.Any(n => n.Port == AmqpsPort))
            throw new InvalidOperationException($"Messaging:RabbitMq: port {AmqpsPort} is AMQPS; use an amqps:// URI (and Messaging:CaCertificate)");
        var ca = string.IsNullOrWhiteSpace(settings.CaCertificate) ? null : settings.CaCertificate.Trim();
        if (tls && ca is null)
            throw new InvalidOperationException("Messaging:CaCertificate is required with amqps://: the partnership CA the broker's certificate must chain to");
        if (tls && checkFiles && !File.Exists(ca))
            throw new FileNotFoundException($"Messaging:CaCertificate: no file at {ca}", ca);
        var (user, password) = BusRegistration.Credentials(broker);
        var vhost = Uri.UnescapeDataString(broker.AbsolutePath.TrimStart('/'));
        return new BrokerConnection(tls, nodes, user, password, vhost == "" ? "/" : vhost, ca);
    }

    /// <summary>MassTransit's RabbitMQ host: the first node, every other one as a cluster member, TLS checked against the
    /// partnership CA. MassTransit takes one TLS server name for all the nodes of a cluster, so with several nodes the
    /// broker's certificate must chain to the CA and name one of the configured nodes.</summary>
    public void ConfigureHost(IRabbitMqBusFactoryConfigurator cfg)
    {
        var first = Nodes[0];
        cfg.Host(first.Host, (ushort)first.Port, VirtualHost, h =>
        {
            h.Username(User);
            h.Password(Password);
            h.PublisherConfirmation = true; // a send completes only once the broker has the message
            if (UsesTls)
            {
                var validate = Validator(LoadCa(), Nodes.Select(n => n.Host).ToArray());
                h.UseSsl(s =>
                {
                    s.Protocol = Protocols;
                    s.ServerName = Nodes.Count == 1 ? first.Host : null;
                    s.CertificateValidationCallback = validate;
                });
            }
            if (Nodes.Count > 1)
                h.UseCluster(c =>
                {
                    foreach (var node in Nodes) c.Node(node.ToString());
                });
        });
    }

    /// <summary>The nodes as RabbitMQ.Client endpoints, each checking that the broker's certificate names it.</summary>
    public IReadOnlyList<AmqpTcpEndpoint> Endpoints()
    {
        var ca = UsesTls ? LoadCa() : null;
        return Nodes.Select(node => new AmqpTcpEndpoint(node.Host, node.Port, ca is null
            ? new SslOption { Enabled = false }
            : new SslOption
            {
                Enabled = true,
                ServerName = node.Host,
                Version = Protocols,
                CertificateValidationCallback = Validator(ca, [node.Host]),
            })).ToList();
    }

    /// <summary>A connection of its own (RabbitMQ.Client), to the first node that answers.</summary>
    public Task<IConnection> ConnectAsync(string clientName, CancellationToken cancellationToken)
    {
        var factory = new ConnectionFactory
        {
            UserName = User,
            Password = Password,
            VirtualHost = VirtualHost,
            ClientProvidedName = clientName,
        };
        return factory.CreateConnectionAsync(Endpoints(), clientName, cancellationToken);
    }

    /// <summary>The handler for the broker's management HTTP API: over https it trusts only the partnership CA
    /// (Messaging:CaCertificate) and requires the certificate to name the host called.</summary>
    public static HttpMessageHandler ManagementHandler(BusSettings settings)
    {
        var handler = new SocketsHttpHandler();
        if (!string.IsNullOrWhiteSpace(settings.CaCertificate))
        {
            var ca = CertificateFiles.LoadCertificate(settings.CaCertificate.Trim());
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                certificate is not null && HubChannels.TrustsServer(new X509Certificate2(certificate), ca, errors);
        }
        return handler;
    }

    /// <summary>Trusts the broker's certificate only if it chains to the partnership CA, is for server
    /// authentication, and names one of <paramref name="hosts"/>. The machine's own roots play no part.</summary>
    public static RemoteCertificateValidationCallback Validator(X509Certificate2 partnershipCa, IReadOnlyList<string> hosts) =>
        (_, certificate, _, errors) =>
        {
            if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable)) return false;
            using var server = new X509Certificate2(certificate);
            // The name is checked here against the configured node(s), not by the flag (a cluster has no one server name).
            return hosts.Any(h => server.MatchesHostname(h))
                   && HubChannels.TrustsServer(server, partnershipCa, errors & ~SslPolicyErrors.RemoteCertificateNameMismatch);
        };

    private X509Certificate2 LoadCa() => CertificateFiles.LoadCertificate(CaCertificatePath!);
}

/// <summary>One broker node: a host name or address and its AMQP(S) port.</summary>
public readonly record struct BrokerNode(string Host, int Port)
{
    public static BrokerNode Parse(string entry, int defaultPort)
    {
        // host, host:port, [v6], [v6]:port
        var text = entry.Trim();
        if (Uri.TryCreate($"amqp://{text}", UriKind.Absolute, out var uri) && uri.Host != "" && uri.AbsolutePath is "/" or ""
            && uri.UserInfo == "" && !text.Contains('/'))
            return new BrokerNode(uri.Host, uri.IsDefaultPort || uri.Port < 0 ? defaultPort : uri.Port);
        throw new InvalidOperationException($"Messaging:ClusterNodes: '{entry}' is not a host or host:port");
    }

    public override string ToString() => $"{Host}:{Port}";
}
