using System.Security.Cryptography;
using System.Text;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace EscalationHub.Server.Operations;

/// <summary>The operator role, until mutual TLS roles replace it: a caller proves it with the x-operator-token header
/// equal to Operations:OperatorToken. With no token configured the hub makes one at start, keeps it in
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
            if (File.Exists(FilePath))
                configured = File.ReadAllText(FilePath).Trim();
            else
            {
                configured = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
                File.WriteAllText(FilePath, configured);
                if (!OperatingSystem.IsWindows())
                    File.SetUnixFileMode(FilePath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
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

/// <summary>Guards the Operations service: every call, unary or streaming, needs the operator token.</summary>
public sealed class OperatorTokenInterceptor(OperatorToken token) : Interceptor
{
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Authorise(context);
        return continuation(request, context);
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Authorise(context);
        return continuation(request, responseStream, context);
    }

    private void Authorise(ServerCallContext context)
    {
        if (token.Check(context.RequestHeaders.GetValue(OperatorToken.Header)) is { } refused)
            throw new RpcException(refused);
    }
}
