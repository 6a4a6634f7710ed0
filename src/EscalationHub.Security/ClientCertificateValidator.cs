using System.Security.Cryptography.X509Certificates;

namespace EscalationHub.Security;

/// <summary>What the hub concluded about a presented client certificate: the identity, or why it was refused.</summary>
public sealed record CertificateCheck(CallerIdentity? Identity, string? Refusal)
{
    public static CertificateCheck Refused(string reason) => new(null, reason);
}

/// <summary>
/// Checks a client certificate the way the hub trusts one: it chains to the partnership CA (and to nothing else: a
/// custom trust store, the machine's roots are ignored), is within its validity period, allows client
/// authentication, is not on the revocation list (nor is any certificate above it), and names exactly one identity.
/// Results are cached per certificate until the revocation list changes; expiry is checked on every call. While the
/// revocation list is missing or unreadable every certificate is refused.
/// </summary>
public sealed class ClientCertificateValidator(X509Certificate2 partnershipCa, RevocationList revocations, TimeProvider clock)
{
    private readonly Dictionary<string, (CertificateCheck Check, int Version)> cache = new(StringComparer.Ordinal);
    private readonly object gate = new();

    public const string RevocationListUnavailable = "revocation list unavailable";

    public X509Certificate2 PartnershipCa { get; } = partnershipCa;

    public CertificateCheck Check(X509Certificate2 certificate)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        if (now > certificate.NotAfter.ToUniversalTime())
            return CertificateCheck.Refused($"the client certificate expired at {certificate.NotAfter.ToUniversalTime():yyyy-MM-dd HH:mm:ss}Z");
        if (now < certificate.NotBefore.ToUniversalTime())
            return CertificateCheck.Refused($"the client certificate is not valid before {certificate.NotBefore.ToUniversalTime():yyyy-MM-dd HH:mm:ss}Z");

        var thumbprint = CertificateFiles.Sha256Thumbprint(certificate);
        var version = revocations.Refresh();
        // Fail closed: without the list nobody can be known not to be revoked.
        if (revocations.Problem is not null) return CertificateCheck.Refused(RevocationListUnavailable);
        lock (gate)
            if (cache.TryGetValue(thumbprint, out var cached) && cached.Version == version) return cached.Check;
        var check = Build(certificate, now);
        lock (gate)
        {
            if (cache.Count > 10_000) cache.Clear();
            cache[thumbprint] = (check, version);
        }
        return check;
    }

    private CertificateCheck Build(X509Certificate2 certificate, DateTime now)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(PartnershipCa);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck; // the partnership's own list, below
        chain.ChainPolicy.VerificationTime = now;
        chain.ChainPolicy.VerificationTimeIgnored = false;
        chain.ChainPolicy.ApplicationPolicy.Add(new System.Security.Cryptography.Oid(PartnershipCertificates.ClientAuthOid));
        if (!chain.Build(certificate))
        {
            var statuses = chain.ChainStatus.Select(s => s.Status).ToHashSet();
            var reason = statuses.Contains(X509ChainStatusFlags.UntrustedRoot) || statuses.Contains(X509ChainStatusFlags.PartialChain)
                ? "the client certificate is not issued by the partnership CA"
                : statuses.Contains(X509ChainStatusFlags.NotTimeValid) ? "the client certificate (or its CA) is outside its validity period"
                : statuses.Contains(X509ChainStatusFlags.NotValidForUsage) ? "the client certificate does not allow client authentication"
                : $"the client certificate does not verify ({string.Join(", ", statuses)})";
            return CertificateCheck.Refused(reason);
        }
        // The chain must end at our CA itself (not another root that happens to share its name).
        if (!chain.ChainElements[^1].Certificate.RawDataMemory.Span.SequenceEqual(PartnershipCa.RawDataMemory.Span))
            return CertificateCheck.Refused("the client certificate is not issued by the partnership CA");
        foreach (var element in chain.ChainElements)
        {
            var c = element.Certificate;
            if (revocations.IsRevoked(CertificateFiles.Serial(c)) || revocations.IsRevoked(CertificateFiles.Sha256Thumbprint(c)))
                return CertificateCheck.Refused($"the client certificate {(c == chain.ChainElements[0].Certificate ? "" : "chain ")}is revoked (serial {CertificateFiles.Serial(c)})");
        }
        var identity = CallerIdentity.FromCertificate(certificate, out var error);
        return identity is null ? CertificateCheck.Refused(error!) : new CertificateCheck(identity, null);
    }
}
