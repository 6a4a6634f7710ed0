using System.CommandLine;
using EscalationHub.Contracts.V1;
using Grpc.Core;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using EscalationHub.Security;
using Grpc.Core.Interceptors;
using Spectre.Console;

namespace EscalationHub.Cli.Commands;

/// <summary>What every operations command needs: where the hub is, the operator's certificate and the partnership CA,
/// from options or the environment (HUBCTL_HUB, HUBCTL_CERT, HUBCTL_KEY, HUBCTL_CA); and one way to turn a gRPC
/// failure into a message and an exit code. The hub takes the operator role from the certificate (mutual TLS).</summary>
public static class HubOptions
{
    public const int Failed = 1, BadRequest = 2, NotAuthorised = 3, Unreachable = 4, NotFound = 5;

    public static readonly Option<string> Hub = new("--hub")
    {
        Description = "The hub's gRPC address, or every replica's, comma-separated (default $HUBCTL_HUB or https://127.0.0.1:5080)",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("HUBCTL_HUB") is { Length: > 0 } hub ? hub : "https://127.0.0.1:5080",
        Recursive = true,
    };

    public static readonly Option<string?> Certificate = new("--cert")
    {
        Description = "The operator's certificate: PEM (.crt, key beside it as .key) or .pfx (default $HUBCTL_CERT; the embedded hub " +
                      "makes data/certs/operator-ops.crt)",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("HUBCTL_CERT"),
        Recursive = true,
    };

    public static readonly Option<string?> Key = new("--key")
    {
        Description = "The certificate's private key (PEM) when not beside it (default $HUBCTL_KEY)",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("HUBCTL_KEY"),
        Recursive = true,
    };

    public static readonly Option<string?> Ca = new("--ca")
    {
        Description = "The partnership CA certificate (PEM) the hub's certificate must chain to (default $HUBCTL_CA, or ca.crt beside --cert)",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("HUBCTL_CA"),
        Recursive = true,
    };

    public static void AddTo(Command command)
    {
        command.Options.Add(Hub);
        command.Options.Add(Certificate);
        command.Options.Add(Key);
        command.Options.Add(Ca);
    }

    /// <summary>Runs <paramref name="action"/> against the hub, with the token on every call.</summary>
    public static async Task<int> RunAsync(ParseResult parse, Func<Operations.OperationsClient, Metadata, Task<int>> action)
    {
        // Piped into grep or a file, tables keep one row per line instead of wrapping at 80 columns.
        if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = Math.Max(AnsiConsole.Profile.Width, 240);
        var address = parse.GetValue(Hub)!;
        try
        {
            HubChannels.Addresses(address);
        }
        catch (ArgumentException ex)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]--hub: {ex.Message}[/]");
            return BadRequest;
        }
        var certificatePath = parse.GetValue(Certificate);
        if (string.IsNullOrWhiteSpace(certificatePath))
        {
            AnsiConsole.MarkupLine("[red]No operator certificate: pass --cert or set HUBCTL_CERT (the embedded hub makes data/certs/operator-ops.crt).[/]");
            return NotAuthorised;
        }
        var caPath = parse.GetValue(Ca) is { Length: > 0 } given ? given : Path.Combine(Path.GetDirectoryName(Path.GetFullPath(certificatePath))!, "ca.crt");
        X509Certificate2 certificate, ca;
        try
        {
            certificate = CertificateFiles.LoadWithKey(certificatePath, parse.GetValue(Key) is { Length: > 0 } key ? key : null);
            ca = CertificateFiles.LoadCertificate(caPath);
        }
        catch (Exception ex) when (ex is IOException or CryptographicException or UnauthorizedAccessException)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]Cannot read the certificate: {ex.Message}[/] (--cert, --key, --ca)");
            return BadRequest;
        }

        using var channel = HubChannels.Create(address, certificate, ca);
        var headers = new Metadata();
        try
        {
            // The hub refuses unary calls without a deadline; streams (flow tail) run until stopped.
            return await action(new Operations.OperationsClient(channel.Intercept(new DefaultDeadline(TimeSpan.FromSeconds(30)))), headers);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Cancelled)
        {
            return 0;
        }
        catch (RpcException ex)
        {
            var (code, hint) = ex.StatusCode switch
            {
                StatusCode.Unauthenticated or StatusCode.PermissionDenied => (NotAuthorised, "check --cert: an operator certificate from the partnership CA"),
                StatusCode.Unavailable or StatusCode.DeadlineExceeded => (Unreachable, $"is the hub running at {address}, and does its certificate chain to --ca?"),
                StatusCode.NotFound => (NotFound, ""),
                StatusCode.InvalidArgument => (BadRequest, ""),
                _ => (Failed, ""),
            };
            AnsiConsole.MarkupLineInterpolated($"[red]{ex.StatusCode}: {ex.Status.Detail}[/]{(hint == "" ? "" : $" ({hint})")}");
            return code;
        }
    }

    public static string Time(Google.Protobuf.WellKnownTypes.Timestamp? t) =>
        t is null ? "" : t.ToDateTimeOffset().ToString("yyyy-MM-dd HH:mm:ss'Z'");

    public static string Span(Google.Protobuf.WellKnownTypes.Duration? d)
    {
        if (d is null) return "";
        var span = d.ToTimeSpan();
        return span.TotalDays >= 1 ? $"{(int)span.TotalDays}d {span:hh\\:mm}" : span.ToString(@"hh\:mm\:ss");
    }
}
