using System.Security.Cryptography.X509Certificates;
using EscalationHub.Server.Agencies;
using EscalationHub.Security;

namespace EscalationHub.Server.Security;

/// <summary>Settings of the hub's TLS (section Tls). With CaCertificate empty (the embedded default) the hub makes a
/// development CA and every certificate it needs under Directory on first start; otherwise every file must exist.</summary>
public sealed class TlsSettings
{
    public const string Section = "Tls";

    /// <summary>The partnership CA's certificate (PEM): client certificates must chain to it.</summary>
    public string? CaCertificate { get; set; }
    /// <summary>The hub's server certificate: PEM (.crt, with ServerKey) or PKCS#12 (.pfx).</summary>
    public string? ServerCertificate { get; set; }
    /// <summary>The server certificate's private key (PEM); default: beside it, .key.</summary>
    public string? ServerKey { get; set; }
    /// <summary>The revocation list (see RevocationList); default: revoked.txt beside the CA. It must exist and be
    /// readable (an empty file revokes nothing): the hub refuses to start without it, and refuses every certificate
    /// while it is gone. In development the default one is created empty beside the generated certificates.</summary>
    public string? RevocationList { get; set; }
    /// <summary>Where development certificates are made (default: certs beside the store).</summary>
    public string? Directory { get; set; }
    /// <summary>Extra host names or addresses for the development server certificate (it always covers localhost,
    /// 127.0.0.1 and ::1).</summary>
    public string[] HostNames { get; set; } = [];
}

/// <summary>The certificates the hub runs with: its server certificate, the CA it trusts, the revocation list, and
/// (in development) where the generated ones are.</summary>
public sealed class HubCertificates
{
    public const string DevelopmentOperator = CertificateDirectory.DevelopmentOperator;

    public required X509Certificate2 Server { get; init; }
    public required X509Certificate2 PartnershipCa { get; init; }
    public required RevocationList Revocations { get; init; }
    /// <summary>Where development certificates were generated; null when the partnership's are configured.</summary>
    public string? DevelopmentDirectory { get; init; }

    public static string AgencyFileName(string agencyCode) => CertificateDirectory.AgencyFileName(agencyCode);

    public static HubCertificates Load(IConfiguration configuration, AgencyDirectory agencies, TimeProvider clock)
    {
        var settings = configuration.GetSection(TlsSettings.Section).Get<TlsSettings>() ?? new TlsSettings();
        static string? Set(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
        settings.RevocationList = Set(settings.RevocationList);
        settings.ServerKey = Set(settings.ServerKey);
        settings.Directory = Set(settings.Directory);
        if (!string.IsNullOrWhiteSpace(settings.CaCertificate))
        {
            var ca = Required(settings.CaCertificate, "Tls:CaCertificate");
            var server = Required(settings.ServerCertificate, "Tls:ServerCertificate");
            return new HubCertificates
            {
                PartnershipCa = CertificateFiles.LoadCertificate(ca),
                Server = CertificateFiles.LoadWithKey(server, settings.ServerKey),
                Revocations = Readable(settings.RevocationList ?? Path.Combine(Path.GetDirectoryName(ca)!, "revoked.txt")),
            };
        }

        var storePath = Path.GetFullPath(configuration["Store:Path"] ?? Path.Combine("data", "hub.db"));
        var directory = Path.GetFullPath(settings.Directory ?? Path.Combine(Path.GetDirectoryName(storePath)!, "certs"));
        CertificateDirectory.EnsureDevelopment(directory, agencies.All.Select(a => a.Code), settings.HostNames, clock.GetUtcNow());
        return new HubCertificates
        {
            PartnershipCa = CertificateFiles.LoadCertificate(CertificateFiles.CertificatePath(directory, "ca")),
            Server = CertificateFiles.LoadWithKey(CertificateFiles.CertificatePath(directory, "hub")),
            Revocations = Readable(settings.RevocationList ?? DevelopmentRevocationList(directory)),
            DevelopmentDirectory = directory,
        };
    }

    /// <summary>The development list: created empty where the development certificates are, when there is none yet.
    /// A list named in Tls:RevocationList is never created: it must be there.</summary>
    private static string DevelopmentRevocationList(string directory)
    {
        var path = Path.Combine(directory, "revoked.txt");
        RevocationList.CreateEmptyIfMissing(path);
        return path;
    }

    /// <summary>Fail closed at start: a missing or unreadable revocation list stops the hub, naming the file.</summary>
    private static RevocationList Readable(string path)
    {
        var list = new RevocationList(path);
        list.Refresh();
        if (list.Problem is { } problem)
            throw new InvalidOperationException($"Tls:RevocationList: {problem}. The hub does not start without its revocation list: " +
                                                "put the partnership's revoked.txt there (an empty file revokes nothing).");
        return list;
    }

    private static string Required(string? path, string setting) =>
        string.IsNullOrWhiteSpace(path) ? throw new InvalidOperationException($"{setting} is required when Tls:CaCertificate is set")
        : File.Exists(path) ? path
        : throw new FileNotFoundException($"{setting}: no file at {path}", path);
}
