using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EscalationHub.Security;

/// <summary>Certificates on disk: <c>name.crt</c> (PEM certificate) and <c>name.key</c> (PEM PKCS#8 private key,
/// owner-only), or a PKCS#12 file (<c>.pfx</c>/<c>.p12</c>, no password).</summary>
public static class CertificateFiles
{
    public static string CertificatePath(string directory, string name) => Path.Combine(directory, name + ".crt");
    public static string KeyPath(string directory, string name) => Path.Combine(directory, name + ".key");

    /// <summary>Writes name.crt and, when the certificate has one, its private key to name.key (mode 0600).</summary>
    public static void Write(X509Certificate2 certificate, string directory, string name)
    {
        Directory.CreateDirectory(directory);
        // The key first and the certificate last, each renamed into place whole: a reader that finds name.crt finds
        // a complete certificate and its key (the hub writes them while clients may already be looking).
        if (certificate.GetECDsaPrivateKey() is { } ec)
            using (ec) WriteSecret(KeyPath(directory, name), ec.ExportPkcs8PrivateKeyPem() + "\n");
        else if (certificate.GetRSAPrivateKey() is { } rsa)
            using (rsa) WriteSecret(KeyPath(directory, name), rsa.ExportPkcs8PrivateKeyPem() + "\n");
        var temporary = CertificatePath(directory, name) + ".tmp";
        File.WriteAllText(temporary, certificate.ExportCertificatePem() + "\n");
        File.Move(temporary, CertificatePath(directory, name), overwrite: true);
    }

    /// <summary>Writes a file readable and writable by its owner only (created that way, never widened).</summary>
    public static void WriteSecret(string path, string contents)
    {
        var temporary = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var stream = new FileStream(temporary, options))
        using (var writer = new StreamWriter(stream))
            writer.Write(contents);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Loads a certificate with its private key: a PKCS#12 file, or a PEM certificate with the key in
    /// <paramref name="keyPath"/> (default: beside it, .key for .crt/.pem).</summary>
    public static X509Certificate2 LoadWithKey(string path, string? keyPath = null)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"no certificate at {path}", path);
        if (path.EndsWith(".pfx", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".p12", StringComparison.OrdinalIgnoreCase))
            return X509CertificateLoader.LoadPkcs12FromFile(path, null, X509KeyStorageFlags.Exportable);
        keyPath ??= Path.ChangeExtension(path, ".key");
        if (!File.Exists(keyPath)) throw new FileNotFoundException($"no private key for {path} at {keyPath}", keyPath);
        using var pem = X509Certificate2.CreateFromPemFile(path, keyPath);
        // Re-imported through PKCS#12 so the key is usable by TLS on every platform (a PEM key is ephemeral).
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null, X509KeyStorageFlags.Exportable);
    }

    /// <summary>Loads a certificate without its key (a CA to trust): PEM or DER.</summary>
    public static X509Certificate2 LoadCertificate(string path) =>
        File.Exists(path) ? X509CertificateLoader.LoadCertificateFromFile(path) : throw new FileNotFoundException($"no certificate at {path}", path);

    /// <summary>The serial as the revocation list writes it: upper-case hex, no separators.</summary>
    public static string Serial(X509Certificate2 certificate) => certificate.SerialNumber.ToUpperInvariant();

    public static string Sha256Thumbprint(X509Certificate2 certificate) =>
        Convert.ToHexString(SHA256.HashData(certificate.RawData));
}
