using System.Security.Authentication;
using EscalationHub.Server.Agencies;
using EscalationHub.Server.Clock;
using EscalationHub.Security;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace EscalationHub.Server.Security;

public static class TlsRegistration
{
    /// <summary>TLS on the hub's https:// listeners with the hub's certificate, asking every client for a certificate
    /// (optional at the TLS layer so that health checks work without one; <see cref="CallerInterceptor"/> decides what
    /// each call may do, and refuses a presented certificate that does not check out with a clear UNAUTHENTICATED).
    /// Call before AddOperations (whose listeners use these defaults).</summary>
    public static WebApplicationBuilder AddHubTls(this WebApplicationBuilder builder)
    {
        var certificates = HubCertificates.Load(builder.Configuration, new AgencyDirectory(builder.Configuration), TimeProvider.System);
        if (certificates.DevelopmentDirectory is { } directory)
        {
            // The embedded adapters call the hub's gRPC API as remote ones do, each with its own agency's certificate.
            builder.Configuration["Hub:CaCertificate"] ??= CertificateFiles.CertificatePath(directory, "ca");
            builder.Configuration["Hub:ClientCertificate"] ??= CertificateFiles.CertificatePath(directory, HubCertificates.AgencyFileName("{agency}"));
            // Their ledger replicas read with each agency's replication identity (purpose REPLICATION is for it alone).
            builder.Configuration["Hub:ReplicationCertificate"] ??= CertificateFiles.CertificatePath(directory, CertificateDirectory.ReplicaFileName("{agency}"));
        }
        var services = builder.Services;
        // Validity dates are checked against the real time: a moved deadline clock must not accept an expired certificate.
        TrustedTime.Register(services);
        services.AddSingleton(certificates);
        services.AddSingleton(sp => new ClientCertificateValidator(certificates.PartnershipCa, certificates.Revocations, sp.GetRequiredKeyedService<TimeProvider>(TrustedTime.Key)));
        services.AddSingleton(builder.Configuration.GetSection(RequestRateSettings.Section).Get<RequestRateSettings>() ?? new RequestRateSettings());
        services.AddSingleton<RequestRateLimits>();
        services.AddSingleton(builder.Configuration.GetSection(StreamLimitSettings.Section).Get<StreamLimitSettings>() ?? new StreamLimitSettings());
        services.AddSingleton<OpenStreams>();
        services.AddHostedService<RevocationMonitor>();
        services.AddSingleton<CallerInterceptor>();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureHttpsDefaults(https =>
        {
            https.ServerCertificate = certificates.Server;
            https.SslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13;
            https.ClientCertificateMode = ClientCertificateMode.AllowCertificate;
            // Checked per call against the partnership CA (not the machine's roots) by CallerInterceptor.
            https.ClientCertificateValidation = (_, _, _) => true;
        }));
        return builder;
    }

    public static WebApplication ReportCertificates(this WebApplication app)
    {
        var certificates = app.Services.GetRequiredService<HubCertificates>();
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            if (certificates.DevelopmentDirectory is { } directory)
                Console.WriteLine($"EscalationHub development certificates in {directory} (CA ca.crt; agency-<code>.crt/.key; replica-<code>.crt/.key for ledger replicas; operator-{HubCertificates.DevelopmentOperator}.crt/.key for hubctl)");
        });
        return app;
    }
}
