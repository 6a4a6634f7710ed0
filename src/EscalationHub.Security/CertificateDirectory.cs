using System.Security.Cryptography.X509Certificates;

namespace EscalationHub.Security;

/// <summary>A directory of partnership certificates as the hub, hubctl and the tests lay it out: ca.crt/ca.key,
/// hub.crt/hub.key, agency-&lt;code&gt;.crt/.key, replica-&lt;code&gt;.crt/.key (the agency's replication identity),
/// operator-&lt;name&gt;.crt/.key, revoked.txt.</summary>
public static class CertificateDirectory
{
    public const string DevelopmentOperator = "ops";

    public static string AgencyFileName(string agencyCode) => $"agency-{agencyCode}";
    public static string ReplicaFileName(string agencyCode) => $"replica-{agencyCode}";
    public static string OperatorFileName(string name) => $"operator-{name}";

    /// <summary>A development CA (ca.crt/ca.key), the hub's certificate (hub.crt/.key), two per registered agency
    /// (agency-&lt;code&gt;.crt/.key to act, replica-&lt;code&gt;.crt/.key for its ledger replica) and one operator (operator-ops.crt/.key): made once, reused, and completed when
    /// an agency is added. The directory and the keys are owner-only.</summary>
    public static void EnsureDevelopment(string directory, IEnumerable<string> agencyCodes, IEnumerable<string> hostNames, DateTimeOffset now)
    {
        if (!Directory.Exists(directory))
        {
            if (OperatingSystem.IsWindows()) Directory.CreateDirectory(directory);
            else Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        var notBefore = now.AddDays(-1);
        X509Certificate2 ca;
        if (File.Exists(CertificateFiles.CertificatePath(directory, "ca")))
            ca = CertificateFiles.LoadWithKey(CertificateFiles.CertificatePath(directory, "ca"));
        else
        {
            ca = PartnershipCertificates.CreateCa("EscalationHub development CA (not for production)", notBefore, now.AddYears(10));
            CertificateFiles.Write(ca, directory, "ca");
        }
        using (ca)
        {
            if (!File.Exists(CertificateFiles.CertificatePath(directory, "hub")))
            {
                var names = new[] { "localhost", "127.0.0.1", "::1" }.Concat(hostNames).Distinct(StringComparer.OrdinalIgnoreCase);
                using var server = PartnershipCertificates.IssueServer(ca, names, notBefore, now.AddYears(2));
                CertificateFiles.Write(server, directory, "hub");
            }
            var clients = agencyCodes.SelectMany(c => new[]
                {
                    (File: AgencyFileName(c), Identity: CallerIdentity.Agency(c)),
                    (File: ReplicaFileName(c), Identity: CallerIdentity.Replica(c)),
                })
                .Append((File: OperatorFileName(DevelopmentOperator), Identity: CallerIdentity.Operator(DevelopmentOperator)));
            foreach (var (file, identity) in clients)
            {
                if (File.Exists(CertificateFiles.CertificatePath(directory, file))) continue;
                using var client = PartnershipCertificates.IssueClient(ca, identity, notBefore, now.AddYears(2));
                CertificateFiles.Write(client, directory, file);
            }
        }
    }

}
