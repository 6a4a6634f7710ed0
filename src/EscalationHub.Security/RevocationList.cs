namespace EscalationHub.Security;

/// <summary>
/// The partnership's revoked certificates: a text file, one certificate per line, named by its serial number (hex, as
/// <c>openssl x509 -serial</c> or <c>hubctl certs</c> print it; colons and case ignored) or by the SHA-256 thumbprint
/// of the whole certificate (64 hex digits); anything after the first space, and lines starting with '#', are
/// comments. <c>hubctl certs revoke</c> appends to it. The file is read again whenever it changes (checked at most once
/// a second), so revoking takes effect on open connections too, without a restart. A missing file revokes nothing.
/// </summary>
public sealed class RevocationList(string? path)
{
    private readonly object gate = new();
    private HashSet<string> revoked = new(StringComparer.OrdinalIgnoreCase);
    private DateTime lastWrite = DateTime.MinValue;
    private long lastLength = -1;
    private long nextCheckTicks;

    public string? Path { get; } = path;

    /// <summary>Changes every time the file's contents are read again, so cached checks can be dropped.</summary>
    public int Version { get; private set; }

    /// <summary>Reads the file again if it changed; returns the <see cref="Version"/> now in force.</summary>
    public int Refresh()
    {
        Current();
        return Version;
    }

    public bool IsRevoked(string serialOrThumbprint) => Current().Contains(Normalise(serialOrThumbprint));

    public static string Normalise(string value) => value.Replace(":", "").Trim().ToUpperInvariant();

    /// <summary>Appends an entry (creating the file owner-only when it does not exist).</summary>
    public static void Append(string path, string serialOrThumbprint, string comment)
    {
        var line = $"{Normalise(serialOrThumbprint)} {comment.ReplaceLineEndings(" ")}".TrimEnd() + "\n";
        if (!File.Exists(path)) CertificateFiles.WriteSecret(path, "# Revoked certificates: serial (hex) or SHA-256 thumbprint, then a comment.\n");
        File.AppendAllText(path, line);
    }

    private HashSet<string> Current()
    {
        if (string.IsNullOrEmpty(Path)) return revoked;
        var now = Environment.TickCount64;
        lock (gate)
        {
            if (now < nextCheckTicks) return revoked;
            nextCheckTicks = now + 1000;
            var info = new FileInfo(Path);
            var (write, length) = info.Exists ? (info.LastWriteTimeUtc, info.Length) : (DateTime.MinValue, -1L);
            if (write == lastWrite && length == lastLength) return revoked;
            revoked = info.Exists ? Read(Path) : new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            (lastWrite, lastLength) = (write, length);
            Version++;
            return revoked;
        }
    }

    private static HashSet<string> Read(string path)
    {
        var set = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var raw in File.ReadAllLines(path))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var end = line.IndexOfAny([' ', '\t']);
            set.Add(Normalise(end < 0 ? line : line[..end]));
        }
        return set;
    }
}
