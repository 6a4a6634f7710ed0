using System.CommandLine;
using EscalationHub.Contracts.V1;
using Spectre.Console;

namespace EscalationHub.Cli.Commands;

/// <summary>hubctl adapters [code]: each adapter's last heartbeat; a silent one is an alert (exit code 1).</summary>
public static class AdapterCommands
{
    public static Command Create()
    {
        var code = new Argument<string?>("agency-code") { Description = "Show only this agency's adapter", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("adapters", "The agencies' adapters: version, last heartbeat, and whether any has gone silent (exit code 1 if so)");
        command.Arguments.Add(code);
        HubOptions.AddTo(command);
        command.SetAction((parse, cancellationToken) => HubOptions.RunAsync(parse, async (client, headers) =>
        {
            var response = await client.ListAdaptersAsync(new ListAdaptersRequest { AgencyCode = parse.GetValue(code) ?? "" },
                headers, cancellationToken: cancellationToken);
            if (response.Adapters.Count == 0)
            {
                AnsiConsole.WriteLine("No adapter has sent a heartbeat yet.");
                return 0;
            }
            var table = new Table().AddColumns("Agency", "Version", "Last heartbeat", "Interval", "Last acknowledgement", "State");
            foreach (var a in response.Adapters)
                table.AddRow(Markup.Escape(a.AgencyCode), Markup.Escape(a.Version), HubOptions.Time(a.LastHeartbeat), HubOptions.Span(a.Interval),
                    HubOptions.Time(a.LastAcknowledgement), a.Silent ? $"[red]SILENT for {HubOptions.Span(a.SilentFor)}[/]" : "[green]alive[/]");
            AnsiConsole.Write(table);
            return response.Adapters.Any(a => a.Silent) ? HubOptions.Failed : 0;
        }));
        return command;
    }
}
