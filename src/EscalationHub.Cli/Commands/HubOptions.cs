using System.CommandLine;
using EscalationHub.Contracts.V1;
using Grpc.Core;
using Grpc.Net.Client;
using Spectre.Console;

namespace EscalationHub.Cli.Commands;

/// <summary>What every operations command needs: where the hub is and the operator token, from options or the
/// environment (HUBCTL_HUB, HUBCTL_OPERATOR_TOKEN); and one way to turn a gRPC failure into a message and an exit code.</summary>
public static class HubOptions
{
    public const int Failed = 1, BadRequest = 2, NotAuthorised = 3, Unreachable = 4, NotFound = 5;

    public static readonly Option<string> Hub = new("--hub")
    {
        Description = "The hub's gRPC address (default $HUBCTL_HUB or http://127.0.0.1:5080)",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("HUBCTL_HUB") is { Length: > 0 } hub ? hub : "http://127.0.0.1:5080",
        Recursive = true,
    };

    public static readonly Option<string?> OperatorToken = new("--operator-token")
    {
        Description = "The operator token (default $HUBCTL_OPERATOR_TOKEN; the embedded hub keeps one in data/operator-token)",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("HUBCTL_OPERATOR_TOKEN"),
        Recursive = true,
    };

    public static void AddTo(Command command)
    {
        command.Options.Add(Hub);
        command.Options.Add(OperatorToken);
    }

    /// <summary>Runs <paramref name="action"/> against the hub, with the token on every call.</summary>
    public static async Task<int> RunAsync(ParseResult parse, Func<Operations.OperationsClient, Metadata, Task<int>> action)
    {
        // Piped into grep or a file, tables keep one row per line instead of wrapping at 80 columns.
        if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = Math.Max(AnsiConsole.Profile.Width, 240);
        var address = parse.GetValue(Hub)!;
        if (!Uri.TryCreate(address, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            AnsiConsole.MarkupLineInterpolated($"[red]--hub: '{address}' is not an http:// or https:// address[/]");
            return BadRequest;
        }
        var token = parse.GetValue(OperatorToken);
        if (string.IsNullOrWhiteSpace(token))
        {
            AnsiConsole.MarkupLine("[red]No operator token: pass --operator-token or set HUBCTL_OPERATOR_TOKEN.[/]");
            return NotAuthorised;
        }

        using var channel = GrpcChannel.ForAddress(uri);
        var headers = new Metadata { { "x-operator-token", token } };
        try
        {
            return await action(new Operations.OperationsClient(channel), headers);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Cancelled)
        {
            return 0;
        }
        catch (RpcException ex)
        {
            var (code, hint) = ex.StatusCode switch
            {
                StatusCode.Unauthenticated or StatusCode.PermissionDenied => (NotAuthorised, "check --operator-token"),
                StatusCode.Unavailable or StatusCode.DeadlineExceeded => (Unreachable, $"is the hub running at {address}?"),
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
