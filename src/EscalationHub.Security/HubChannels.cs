using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Net.Client;
using Grpc.Net.Client.Balancer;
using Grpc.Net.Client.Configuration;

namespace EscalationHub.Security;

/// <summary>gRPC channels to the hub over mutual TLS: the client presents its certificate (none for an anonymous
/// health check) and trusts the hub's server certificate only if it chains to the partnership CA.</summary>
public static class HubChannels
{
    /// <param name="address">The hub's address, or every replica's, comma-separated
    /// (<c>https://hub-a:5080,https://hub-b:5080</c>): the channel uses the first that answers and moves to the next
    /// when it goes away (gRPC's pick_first over a static list), so a replica killed or restarted is not an outage.</param>
    public static GrpcChannel Create(string address, X509Certificate2? clientCertificate, X509Certificate2 partnershipCa,
        int? maxReceiveMessageSize = null)
    {
        var addresses = Addresses(address);
        var options = new GrpcChannelOptions
        {
            HttpHandler = Handler(clientCertificate, partnershipCa),
            MaxReceiveMessageSize = maxReceiveMessageSize ?? 16 * 1024 * 1024,
            DisposeHttpClient = true,
        };
        if (addresses.Count == 1) return GrpcChannel.ForAddress(addresses[0], options);

        options.Credentials = ChannelCredentials.SecureSsl;
        options.ServiceConfig = new ServiceConfig { LoadBalancingConfigs = { new PickFirstConfig() } };
        options.ServiceProvider = new Replicas(addresses.Select(a => new BalancerAddress(a.Host, a.Port)).ToList());
        return GrpcChannel.ForAddress("static:///escalationhub", options);
    }

    /// <summary>The addresses of <see cref="Create"/>: each absolute and https (the hub speaks nothing else).</summary>
    public static IReadOnlyList<Uri> Addresses(string address)
    {
        var addresses = address.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(a => Uri.TryCreate(a, UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http" ? uri
                : throw new ArgumentException($"'{a}' is not an https:// address of the hub", nameof(address)))
            .ToList();
        if (addresses.Count == 0) throw new ArgumentException("no address of the hub given", nameof(address));
        if (addresses.Count > 1 && addresses.Any(a => a.Scheme != "https"))
            throw new ArgumentException("several addresses of the hub must all be https://", nameof(address));
        return addresses;
    }

    /// <summary>What the balancer asks the channel's services for: the static list of replicas.</summary>
    private sealed class Replicas(IReadOnlyList<BalancerAddress> addresses) : IServiceProvider
    {
        private readonly StaticResolverFactory resolver = new(_ => addresses);

        public object? GetService(Type serviceType) =>
            serviceType == typeof(IEnumerable<ResolverFactory>) ? new ResolverFactory[] { resolver }
            : serviceType == typeof(ResolverFactory) ? resolver
            : null;
    }

    public static SocketsHttpHandler Handler(X509Certificate2? clientCertificate, X509Certificate2 partnershipCa) => new()
    {
        EnableMultipleHttp2Connections = true,
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
        SslOptions = new SslClientAuthenticationOptions
        {
            ClientCertificates = clientCertificate is null ? null : new X509CertificateCollection { clientCertificate },
            // Always present this certificate, whatever CA names the server asks for.
            LocalCertificateSelectionCallback = clientCertificate is null ? null : (_, _, _, _, _) => clientCertificate,
            RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                certificate is not null && TrustsServer(new X509Certificate2(certificate), partnershipCa, errors),
        },
    };

    /// <summary>The hub's certificate must chain to the partnership CA and name the host called.</summary>
    public static bool TrustsServer(X509Certificate2 server, X509Certificate2 partnershipCa, SslPolicyErrors errors)
    {
        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch) || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
            return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(partnershipCa);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(new System.Security.Cryptography.Oid(PartnershipCertificates.ServerAuthOid));
        return chain.Build(server) && chain.ChainElements[^1].Certificate.RawDataMemory.Span.SequenceEqual(partnershipCa.RawDataMemory.Span);
    }
}
