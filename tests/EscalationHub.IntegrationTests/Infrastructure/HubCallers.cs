using System.Security.Cryptography.X509Certificates;
using EscalationHub.Contracts.V1;
using EscalationHub.Security;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Health.V1;
using Grpc.Net.Client;

namespace EscalationHub.IntegrationTests.Infrastructure;

/// <summary>The hub's clients for one caller (one certificate, or none).</summary>
public sealed class HubClients(CallInvoker invoker)
{
    public CallInvoker Invoker { get; } = invoker;
    public Concerns.ConcernsClient Concerns => new(Invoker);
    public Escalations.EscalationsClient Escalations => new(Invoker);
    public EscalationHub.Contracts.V1.Ledger.LedgerClient Ledger => new(Invoker);
    public EscalationHub.Contracts.V1.Operations.OperationsClient Operations => new(Invoker);
    public Health.HealthClient Health => new(Invoker);
}

/// <summary>
/// Channels to a test hub over mutual TLS, one per certificate (made lazily: the hub generates its development
/// certificates when it first starts), and a call invoker that picks the channel from the request: the agency a
/// request names (agency_code, raised_by.agency_code, by.agency_code: the same table the hub enforces), the operator
/// certificate for Operations, none for health, the hospital's for the ledger's proofs. So a test written as
/// <c>hub.Concerns.GetConcernAsync(new() { AgencyCode = "leics-police", ... })</c> calls as the police, with the
/// police's certificate. Unary calls without a deadline get one of 30 s (the hub refuses calls without one).
/// </summary>
public sealed class HubCallers(string address, string certificatesDirectory) : IDisposable
{
    public const string DefaultAgency = "uhl-health";
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);
    private readonly Dictionary<string, GrpcChannel> channels = new();

    public string CertificatesDirectory { get; } = certificatesDirectory;

    public X509Certificate2 PartnershipCa => LoadCa();

    /// <summary>The development CA with its private key (to issue test certificates from it).</summary>
    public X509Certificate2 PartnershipCaWithKey() => CertificateFiles.LoadWithKey(CertificateFiles.CertificatePath(CertificatesDirectory, "ca"));

    public X509Certificate2 AgencyCertificate(string agencyCode) =>
        CertificateFiles.LoadWithKey(CertificateFiles.CertificatePath(CertificatesDirectory, CertificateDirectory.AgencyFileName(agencyCode)));

    public HubClients As(string agencyCode, bool defaultDeadline = true) =>
        Clients(Channel("agency:" + agencyCode, () => AgencyCertificate(agencyCode)), defaultDeadline);

    /// <summary>Clients that present the agency's replication identity (replica-&lt;code&gt;.crt: its ledger replica).</summary>
    public HubClients AsReplica(string agencyCode, bool defaultDeadline = true) =>
        Clients(Channel("replica:" + agencyCode, () =>
            CertificateFiles.LoadWithKey(CertificateFiles.CertificatePath(CertificatesDirectory, CertificateDirectory.ReplicaFileName(agencyCode)))), defaultDeadline);

    public HubClients AsOperator(bool defaultDeadline = true) => Clients(Channel("operator", () =>
        CertificateFiles.LoadWithKey(CertificateFiles.CertificatePath(CertificatesDirectory, CertificateDirectory.OperatorFileName(CertificateDirectory.DevelopmentOperator)))), defaultDeadline);

    public HubClients Anonymous(bool defaultDeadline = true) => Clients(Channel("anonymous", () => null), defaultDeadline);

    /// <summary>Clients presenting any certificate (an unknown CA's, an expired or a revoked one); a new channel each
    /// time, disposed with the hub.</summary>
    public HubClients WithCertificate(X509Certificate2 certificate, bool defaultDeadline = true) =>
        Clients(Channel("cert:" + Guid.NewGuid(), () => certificate), defaultDeadline);

    /// <summary>A new channel with no certificate, for the caller to dispose (health checks while the hub starts).</summary>
    public GrpcChannel FreshAnonymousChannel() => HubChannels.Create(address, null, LoadCa());

    /// <summary>The invoker behind the test hub's old-style clients: routes each call by the agency it names.</summary>
    public CallInvoker Routing => new RoutingInvoker(this);

    private HubClients Clients(GrpcChannel channel, bool defaultDeadline) =>
        new(defaultDeadline ? channel.Intercept(new DefaultDeadline(DefaultTimeout)) : channel.CreateCallInvoker());

    private GrpcChannel Channel(string key, Func<X509Certificate2?> certificate)
    {
        lock (channels)
        {
            // Not cached until it could be made: before the hub's first start there are no certificates yet.
            if (!channels.TryGetValue(key, out var channel))
                channels[key] = channel = HubChannels.Create(address, certificate(), LoadCa());
            return channel;
        }
    }

    private X509Certificate2 LoadCa() => CertificateFiles.LoadCertificate(CertificateFiles.CertificatePath(CertificatesDirectory, "ca"));

    /// <summary>Which caller a request is sent as.</summary>
    internal CallInvoker InvokerFor(string method, object? request)
    {
        var policy = CallerPolicies.For(method);
        if (policy is null) return As(DefaultAgency).Invoker;
        return policy.Access switch
        {
            Access.Anyone => Anonymous().Invoker,
            Access.Operator => AsOperator().Invoker,
            _ => request is IMessage message && CallerPolicies.NamedAgency(policy, message) is { Length: > 0 } agency
                 && File.Exists(CertificateFiles.CertificatePath(CertificatesDirectory, CertificateDirectory.AgencyFileName(agency)))
                ? As(agency).Invoker
                : As(DefaultAgency).Invoker,
        };
    }

    /// <summary>Drops every channel (made again on next use). Clients taken from <see cref="As"/> before stay on theirs.</summary>
    public void Reset() => Dispose();

    public void Dispose()
    {
        lock (channels)
        {
            foreach (var channel in channels.Values) channel.Dispose();
            channels.Clear();
        }
    }

    private sealed class RoutingInvoker(HubCallers callers) : CallInvoker
    {
        public override TResponse BlockingUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) =>
            callers.InvokerFor(method.FullName, request).BlockingUnaryCall(method, host, options, request);

        public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) =>
            callers.InvokerFor(method.FullName, request).AsyncUnaryCall(method, host, options, request);

        public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) =>
            callers.InvokerFor(method.FullName, request).AsyncServerStreamingCall(method, host, options, request);

        public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options) =>
            callers.InvokerFor(method.FullName, null).AsyncClientStreamingCall(method, host, options);

        public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options) =>
            callers.InvokerFor(method.FullName, null).AsyncDuplexStreamingCall(method, host, options);
    }
}
