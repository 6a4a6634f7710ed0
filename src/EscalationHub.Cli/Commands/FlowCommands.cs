using System.CommandLine;
using EscalationHub.Contracts.V1;
using Grpc.Core;
using Spectre.Console;

namespace EscalationHub.Cli.Commands;

/// <summary>hubctl flow tail: the live message flow, one line per event or change.</summary>
public static class FlowCommands
{
    public static Command Create()
    {
        var agency = new Option<string?>("--agency") { Description = "Only messages from or to this agency code" };
        var type = new Option<string?>("--type") { Description = "Only this message type, e.g. ConcernRaised" };
        var status = new Option<string?>("--status") { Description = "Only this status: queued, sent, acknowledged, applied, failed, dead-lettered" };
        var backlog = new Option<int>("--backlog") { Description = "Recent events to show first (0-500)", DefaultValueFactory = _ => 20 };
        var count = new Option<int?>("--count") { Description = "Stop after this many events (default: follow until Ctrl+C)" };

        var tail = new Command("tail", "Follow the message flow live: message id, type, agencies, case reference and status; never identities");
        tail.Options.Add(agency);
        tail.Options.Add(type);
        tail.Options.Add(status);
        tail.Options.Add(backlog);
        tail.Options.Add(count);
        HubOptions.AddTo(tail);
        tail.SetAction((parse, cancellationToken) =>
        {
            if (!TryStatus(parse.GetValue(status), out var parsedStatus))
            {
                AnsiConsole.MarkupLineInterpolated($"[red]--status: '{parse.GetValue(status)}' is not one of queued, sent, acknowledged, applied, failed, dead-lettered[/]");
                return Task.FromResult(HubOptions.BadRequest);
            }
            return HubOptions.RunAsync(parse, async (client, headers) =>
            {
                var request = new WatchFlowRequest
                {
                    Filter = new FlowFilter { Agency = parse.GetValue(agency) ?? "", MessageType = parse.GetValue(type) ?? "", Status = parsedStatus },
                    Backlog = parse.GetValue(backlog),
                };
                var limit = parse.GetValue(count);
                using var call = client.WatchFlow(request, headers, cancellationToken: cancellationToken);
                var seen = 0;
                await foreach (var e in call.ResponseStream.ReadAllAsync(cancellationToken))
                {
                    AnsiConsole.MarkupLineInterpolated(
                        $"{HubOptions.Time(e.RecordedAt)}  [bold]{e.MessageType,-22}[/] {e.FromAgency,-18} → {e.ToAgency,-18} {(e.CaseReference == "" ? "-" : e.CaseReference),-14} [{Colour(e.Status)}]{Name(e.Status)}[/] {e.MessageId}{(e.Error == "" ? "" : "  " + e.Error)}");
                    if (limit is { } max && ++seen >= max) break;
                }
                return 0;
            });
        });

        var flow = new Command("flow", "The message flow between the hub and the agencies");
        flow.Subcommands.Add(tail);
        return flow;
    }

    private static bool TryStatus(string? text, out FlowStatus status)
    {
        status = FlowStatus.Unspecified;
        if (string.IsNullOrEmpty(text)) return true;
        var normalised = text.Replace("-", "").Replace("_", "");
        foreach (var value in Enum.GetValues<FlowStatus>())
            if (value != FlowStatus.Unspecified && string.Equals(value.ToString(), normalised, StringComparison.OrdinalIgnoreCase))
            {
                status = value;
                return true;
            }
        return false;
    }

    public static string Name(FlowStatus status) => status switch
    {
        FlowStatus.DeadLettered => "dead-lettered",
        _ => status.ToString().ToLowerInvariant(),
    };

    private static string Colour(FlowStatus status) => status switch
    {
        FlowStatus.DeadLettered or FlowStatus.Failed => "red",
        FlowStatus.Acknowledged or FlowStatus.Applied => "green",
        _ => "yellow",
    };
}
