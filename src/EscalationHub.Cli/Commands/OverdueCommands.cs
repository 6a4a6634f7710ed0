using System.CommandLine;
using EscalationHub.Contracts.V1;
using Google.Protobuf.WellKnownTypes;
using Spectre.Console;

namespace EscalationHub.Cli.Commands;

/// <summary>hubctl overdue: stages past their deadline (and, with --within, due soon).</summary>
public static class OverdueCommands
{
    public static Command Create()
    {
        var within = Durations.Option("--within", "Also list stages due within this time");
        var command = new Command("overdue", "Stages whose deadline has passed and are not yet done, most overdue first");
        command.Options.Add(within);
        HubOptions.AddTo(command);
        command.SetAction((parse, cancellationToken) => HubOptions.RunAsync(parse, async (client, headers) =>
        {
            var response = await client.ListOverdueStagesAsync(new ListOverdueStagesRequest { DueWithin = Duration.FromTimeSpan(parse.GetValue(within)) },
                headers, cancellationToken: cancellationToken);
            if (response.Stages.Count == 0)
            {
                AnsiConsole.WriteLine("Nothing overdue.");
                return 0;
            }
            var table = new Table().AddColumns("Case", "Stage", "Waiting on", "Raised by", "Due", "Rule", "Harm", "State");
            foreach (var s in response.Stages)
                table.AddRow(Markup.Escape(s.CaseReference), Markup.Escape(s.Stage), Markup.Escape(s.WaitingOnAgency), Markup.Escape(s.OtherAgency),
                    HubOptions.Time(s.DueAt), Markup.Escape(s.Rule), Markup.Escape(s.HarmLevel),
                    s.Overdue ? $"[red]overdue by {HubOptions.Span(s.OverdueBy)}[/]" : "[yellow]due soon[/]");
            AnsiConsole.Write(table);
            return 0;
        }));
        return command;
    }
}
