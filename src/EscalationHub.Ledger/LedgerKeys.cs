using System.Security.Cryptography;

namespace EscalationHub.Ledger;

/// <summary>
/// ECDSA P-256 keys for the hub's tree heads and agencies' approvals: PKCS#8 PEM for private
/// keys, SubjectPublicKeyInfo (DER or "PUBLIC KEY" PEM) for public keys, so they interoperate with
/// OpenSSL and certificates. Every import checks the curve, so a key of another kind never verifies anything.
/// </summary>
public static class LedgerKeys
{
    private const string P256Oid = "1.2.840.10045.3.1.7";

    public static ECDsa CreateP256() => ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public static string ExportPrivateKeyPem(ECDsa key) => EnsureP256(key).ExportPkcs8PrivateKeyPem();

    public static string ExportPublicKeyPem(ECDsa key) => EnsureP256(key).ExportSubjectPublicKeyInfoPem();

    public static byte[] ExportSubjectPublicKeyInfo(ECDsa key) => EnsureP256(key).ExportSubjectPublicKeyInfo();

    /// <summary>Imports a "PRIVATE KEY" (PKCS#8) or "EC PRIVATE KEY" PEM.</summary>
    public static ECDsa ImportPrivateKeyPem(string pem)
    {
        var key = Import(k => k.ImportFromPem(pem));
        try
        {
            // Exporting the private scalar is the portable way to tell a private key from a public one.
            key.ExportParameters(includePrivateParameters: true);
        }
        catch (CryptographicException)
        {
            key.Dispose();
            throw new ArgumentException("the PEM holds a public key, not a private key", nameof(pem));
        }
        return key;
    }

    /// <summary>Imports a "PUBLIC KEY" (SubjectPublicKeyInfo) PEM.</summary>
    public static ECDsa ImportPublicKeyPem(string pem) => Import(k => k.ImportFromPem(pem));

    public static ECDsa ImportSubjectPublicKeyInfo(ReadOnlySpan<byte> der)
    {
        var bytes = der.ToArray();
        return Import(k =>
        {
            k.ImportSubjectPublicKeyInfo(bytes, out var read);
            if (read != bytes.Length) throw new CryptographicException("trailing bytes after the SubjectPublicKeyInfo");
        });
    }

    /// <summary>SHA-256 of the DER SubjectPublicKeyInfo: a stable name for a key, as CT uses for log ids.</summary>
    public static MerkleHash KeyId(ECDsa key) => MerkleHash.FromBytes(SHA256.HashData(ExportSubjectPublicKeyInfo(key)));

    internal static ECDsa EnsureP256(ECDsa key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var curve = key.ExportParameters(includePrivateParameters: false).Curve;
        if (!curve.IsNamed || curve.Oid.Value != P256Oid && curve.Oid.FriendlyName is not ("nistP256" or "ECDSA_P256"))
            throw new ArgumentException("ledger keys must be ECDSA P-256", nameof(key));
        return key;
    }

    private static ECDsa Import(Action<ECDsa> import)
    {
        var key = ECDsa.Create();
        try
        {
            import(key);
            return EnsureP256(key);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            key.Dispose();
            throw new ArgumentException($"not an ECDSA P-256 key: {e.Message}", e);
        }
    }

    internal static byte[] Sign(ECDsa key, ReadOnlySpan<byte> toBeSigned) =>
        key.SignData(toBeSigned, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);

    internal static bool Verify(ECDsa key, ReadOnlySpan<byte> toBeSigned, ReadOnlySpan<byte> signature)
    {
        try
        {
            return key.VerifyData(toBeSigned, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }
}
