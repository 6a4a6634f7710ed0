using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;

namespace EscalationHub.Adapters.Runtime.AgencySystem;

/// <summary>The secret an agency system presents to its adapter (Authorization: Bearer &lt;secret&gt;) on every call
/// through which it acts as its agency. Read from AgencySystem:CredentialFile; when that is not set, made on first
/// start (32 random bytes, base64url) at {DataDirectory}/agency-system-{agencyCode}.credential, owner-only (0600).
/// Compared in constant time, over hashes so that the length is not revealed either.</summary>
public sealed class AgencySystemCredential
{
    public const int MinimumLength = 32;
    private readonly byte[] expectedHash;

    private AgencySystemCredential(string secret, string path)
    {
        expectedHash = SHA256.HashData(Encoding.UTF8.GetBytes(secret));
        FilePath = path;
    }

    public string FilePath { get; }

    public static string DefaultPath(string dataDirectory, string agencyCode) =>
        Path.GetFullPath(Path.Combine(dataDirectory, $"agency-system-{agencyCode}.credential"));

    public static AgencySystemCredential LoadOrCreate(AdapterSettings settings, ILogger logger)
    {
        if (settings.AgencySystem.CredentialFile is { Length: > 0 } configured)
        {
            var path = Path.GetFullPath(configured);
            if (!File.Exists(path))
                throw new InvalidOperationException($"{settings.AgencyCode}: the agency system credential file {path} (AgencySystem:CredentialFile) does not exist");
            logger.LogInformation("{Agency}: agency system credential read from {Path}", settings.AgencyCode, path);
            return Read(path, settings.AgencyCode);
        }

        var created = DefaultPath(settings.DataDirectory, settings.AgencyCode);
        if (!File.Exists(created))
        {
            if (OperatingSystem.IsWindows()) Directory.CreateDirectory(Path.GetDirectoryName(created)!);
            else Directory.CreateDirectory(Path.GetDirectoryName(created)!, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            // Written to a private temporary file, then renamed: the secret is never readable by others, even briefly.
            var temporary = $"{created}.{Guid.NewGuid():N}.tmp";
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            using (var file = new FileStream(temporary, options))
                file.Write(Encoding.ASCII.GetBytes(Base64Url(RandomNumberGenerator.GetBytes(32)) + "\n"));
            try { File.Move(temporary, created, overwrite: false); }
            catch (IOException) when (File.Exists(created)) { File.Delete(temporary); } // made by another start meanwhile
            logger.LogInformation("{Agency}: agency system credential created in {Path} (give it to the agency system: Authorization: Bearer <its content>)",
                settings.AgencyCode, created);
        }
        else logger.LogInformation("{Agency}: agency system credential in {Path}", settings.AgencyCode, created);
        return Read(created, settings.AgencyCode);
    }

    private static AgencySystemCredential Read(string path, string agencyCode)
    {
        var secret = File.ReadAllText(path).Trim();
        if (secret.Length < MinimumLength)
            throw new InvalidOperationException($"{agencyCode}: the agency system credential in {path} must be at least {MinimumLength} characters");
        return new AgencySystemCredential(secret, path);
    }

    /// <summary>True when the Authorization header is exactly one "Bearer &lt;secret&gt;" with this secret.</summary>
    public bool Accepts(IReadOnlyList<string?> authorization)
    {
        if (authorization.Count != 1 || authorization[0] is not { } value) return false;
        const string scheme = "Bearer ";
        if (value.Length <= scheme.Length || !value.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)) return false;
        var presented = SHA256.HashData(Encoding.UTF8.GetBytes(value[scheme.Length..].Trim()));
        return CryptographicOperations.FixedTimeEquals(presented, expectedHash);
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
