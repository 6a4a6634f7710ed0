using System.Security.Cryptography;
using System.Text;
using EscalationHub.Security;
using Grpc.Core;

namespace EscalationHub.Server.Operations;

/// <summary>The dashboard's operator login (a browser holds no partnership certificate): the dashboard's API calls
/// carry the x-operator-token header equal to Operations:OperatorToken. gRPC callers (hubctl) prove the operator role
/// with an operator certificate instead (Security/CallerInterceptor). With no token configured the hub makes one at start, keeps it in
/// {store directory}/operator-token (owner-only) and prints where it is, so the embedded default stays one command.</summary>
public sealed class OperatorToken
{
    public const string Header = "x-operator-token";
    private readonly byte[] expected;

    public OperatorToken(IConfiguration configuration)
    {
        var configured = configuration["Operations:OperatorToken"];
        if (string.IsNullOrWhiteSpace(configured))
        {
            var storePath = Path.GetFullPath(configuration["Store:Path"] ?? Path.Combine("data", "hub.db"));
            FilePath = Path.Combine(Path.GetDirectoryName(storePath)!, "operator-token");
            // Owner-only from the moment it exists (never briefly 0644), and the first of two starting hubs wins.
            configured = DataAtRest.CreatePrivateFileOnce(FilePath, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24))).Trim();
        }
        expected = Encoding.UTF8.GetBytes(configured);
    }

    /// <summary>Where the generated token is kept; null when it was configured.</summary>
    public string? FilePath { get; }

    public bool Matches(string? presented) =>
        presented is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), expected);

    /// <summary>Null when allowed; otherwise the status to refuse with.</summary>
    public Status? Check(string? presented) =>
        string.IsNullOrEmpty(presented) ? new Status(StatusCode.Unauthenticated, $"operator role required: send the {Header} header")
        : Matches(presented) ? null
        : new Status(StatusCode.PermissionDenied, $"the {Header} presented is not the operator token");
}
