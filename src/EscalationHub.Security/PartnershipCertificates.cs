using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EscalationHub.Security;

/// <summary>Issues the partnership's certificates: the CA, the hub's server certificate and a client certificate per
/// agency and per operator (ECDSA P-256, SHA-256). Serial numbers are 16 random bytes, so a revocation list can name
/// a certificate by its serial alone.</summary>
public static class PartnershipCertificates
{
    public const string ClientAuthOid = "1.3.6.1.5.5.7.3.2";
    public const string ServerAuthOid = "1.3.6.1.5.5.7.3.1";

    public static X509Certificate2 CreateCa(string name, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName($"CN={Escape(name)}, O=EscalationHub partnership"), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(notBefore, notAfter);
    }

    public static X509Certificate2 IssueClient(X509Certificate2 ca, CallerIdentity identity, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        var role = identity.Role switch { CallerRole.Agency => "agency", CallerRole.Replica => "replica", _ => "operator" };
        var san = new SubjectAlternativeNameBuilder();
        san.AddUri(new Uri(identity.Uri));
        return Issue(ca, $"CN={Escape(identity.Name)}, OU={role}, O=EscalationHub partnership", san, ClientAuthOid, notBefore, notAfter);
    }

    public static X509Certificate2 IssueServer(X509Certificate2 ca, IEnumerable<string> hostNames, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        var san = new SubjectAlternativeNameBuilder();
        var names = hostNames.ToList();
        foreach (var name in names)
        {
            if (IPAddress.TryParse(name, out var ip)) san.AddIpAddress(ip);
            else san.AddDnsName(name);
        }
        return Issue(ca, $"CN={Escape(names.FirstOrDefault() ?? "hub")}, OU=hub, O=EscalationHub partnership", san, ServerAuthOid, notBefore, notAfter);
    }

    private static X509Certificate2 Issue(X509Certificate2 ca, string subject, SubjectAlternativeNameBuilder san, string usageOid,
        DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName(subject), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(usageOid)], true));
        request.CertificateExtensions.Add(san.Build(critical: false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        // A leaf never outlives its CA.
        if (notAfter > ca.NotAfter) notAfter = ca.NotAfter;
        using var issued = request.Create(ca, notBefore, notAfter, RandomNumberGenerator.GetBytes(16));
        return issued.CopyWithPrivateKey(key);
    }

    private static string Escape(string value) => value.Replace("\\", "\\\\").Replace(",", "\\,").Replace("=", "\\=").Replace("+", "\\+");
}
