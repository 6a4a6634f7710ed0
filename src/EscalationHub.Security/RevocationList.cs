namespace EscalationHub.Security;

/// <summary>
/// The partnership's revoked certificates: a text file, one certificate per line, named by its serial number (hex, as
/// <c>openssl x509 -serial</c> or <c>hubctl certs</c> print it; colons and case ignored) or by the SHA-256 thumbprint
/// of the whole certificate (64 hex digits); anything after the first space, and lines starting with '#', are
/// comments. <c>hubctl certs revoke</c> appends to it. The file is read again whenever it changes (checked at most once
/// a second), so revoking takes effect on open connections too, without a restart. It fails closed: while a named file
/// is missing or unreadable, <see cref="Problem"/> says so and no certificate may be trusted (deleting the list must
/// not un-revoke anyone).
/// </summary>
public sealed class RevocationList(string? path)
{
    private readonly object gate = new();
    private HashSet<string> revoked = new(StringComparer.OrdinalIgnoreCase);
    private DateTime lastWrite = DateTime.MinValue;
    private long lastLength = -2; // never read (a missing file reads as -1)
    private long nextCheckTicks;

    public string? Path { get; } = path;

    /// <summary>Changes every time the file's contents are read again (or it goes or comes back), so cached checks can
    /// be dropped.</summary>
    public int Version { get; private set; }

    /// <summary>Why the list cannot be used (its file is missing or unreadable), or null while it can. The hub then
    /// refuses every certificate.</summary>
    public string? Problem { get; private set; }

    /// <summary>Raised (outside the lock) when the list becomes unusable, with the problem, and when it is usable
    /// again, with null; once per change, so a listener can log it once.</summary>
    public event Action<string?>? AvailabilityChanged;

    /// <summary>Reads the file again if it changed; returns the <see cref="Version"/> now in force.</summary>
    public int Refresh()
    {
        Current();
        return Version;
    }

    public bool IsRevoked(string serialOrThumbprint) => Current().Contains(Normalise(serialOrThumbprint));

    public static string Normalise(string value) => value.Replace(":", "").Trim().ToUpperInvariant();

    /// <summary>Creates an empty list (owner-only) where there is none: revokes nothing, and lets a hub that fails
    /// closed on a missing list start.</summary>
    public static void CreateEmptyIfMissing(string path)
    {
        if (!File.Exists(path)) CertificateFiles.WriteSecret(path, Header);
    }

    private const string Header = "# Revoked certificates: serial (hex) or SHA-256 thumbprint, then a comment.\n";

    /// <summary>Appends an entry (creating the file owner-only when it does not exist).</summary>
    public static void Append(string path, string serialOrThumbprint, string comment)
    {
        var line = $"{Normalise(serialOrThumbprint)} {comment.ReplaceLineEndings(" ")}".TrimEnd() + "\n";
        CreateEmptyIfMissing(path);
        File.AppendAllText(path, line);
    }

    private HashSet<string> Current()
    {
        if (string.IsNullOrEmpty(Path)) return revoked;
        var now = Environment.TickCount64;
        string? problemBefore, problemAfter;
        HashSet<string> current;
        lock (gate)
        {
            if (now < nextCheckTicks) return revoked;
            nextCheckTicks = now + 1000;
            problemBefore = Problem;
            var info = new FileInfo(Path);
            var (write, length) = info.Exists ? (info.LastWriteTimeUtc, info.Length) : (DateTime.MinValue, -1L);
            if (write != lastWrite || length != lastLength || Problem is not null)
            {
                try
                {
                    // Missing: fail closed (an empty set with a problem), never "nothing is revoked".
                    revoked = info.Exists ? Read(Path) : [];
                    Problem = info.Exists ? null : $"no revocation list at {Path}";
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    revoked = [];
                    Problem = $"the revocation list {Path} cannot be read: {ex.Message}";
                }
                if (write != lastWrite || length != lastLength || Problem != problemBefore) Version++;
                (lastWrite, lastLength) = (write, length);
            }
            problemAfter = Problem;
            current = revoked;
        }
        if ((problemBefore is null) != (problemAfter is null)) AvailabilityChanged?.Invoke(problemAfter);
        return current;
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
