using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Grpc.Net.Client;

namespace EscalationHub.Security;

/// <summary>gRPC channels to the hub over mutual TLS: the client presents its certificate (none for an anonymous
/// health check) and trusts the hub's server certificate only if it chains to the partnership CA.</summary>
public static class HubChannels
{
    public static GrpcChannel Create(string address, X509Certificate2? clientCertificate, X509Certificate2 partnershipCa,
        int? maxReceiveMessageSize = null) =>
        GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            HttpHandler = Handler(clientCertificate, partnershipCa),
            MaxReceiveMessageSize = maxReceiveMessageSize ?? 16 * 1024 * 1024,
            DisposeHttpClient = true,
        });

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
