using System.CommandLine;
using EscalationHub.Contracts.V1;
using Spectre.Console;

namespace EscalationHub.Cli.Commands;

/// <summary>hubctl dead-letters list | redrive.</summary>
public static class DeadLetterCommands
{
    public static Command Create()
    {
        var includeRedriven = new Option<bool>("--include-redriven") { Description = "Also show letters already redriven" };
        var list = new Command("list", "Messages that could not be applied and sit in an error queue, with the reason");
        list.Options.Add(includeRedriven);
        HubOptions.AddTo(list);
        list.SetAction((parse, cancellationToken) => HubOptions.RunAsync(parse, async (client, headers) =>
        {
            var response = await client.ListDeadLettersAsync(new ListDeadLettersRequest { IncludeRedriven = parse.GetValue(includeRedriven) },
                headers, cancellationToken: cancellationToken);
            if (response.DeadLetters.Count == 0)
            {
                AnsiConsole.WriteLine("No dead letters.");
                return 0;
            }
            var table = new Table().AddColumns("Id", "Failed", "Type", "Queue", "Case", "Reason", "Redriven");
            foreach (var d in response.DeadLetters)
                table.AddRow(Markup.Escape(d.Id), HubOptions.Time(d.FailedAt), Markup.Escape(d.MessageType), Markup.Escape(d.Queue),
                    Markup.Escape(d.CaseReference), Markup.Escape(d.Reason), HubOptions.Time(d.RedrivenAt));
            AnsiConsole.Write(table);
            return 0;
        }));

        var ids = new Argument<string[]>("id") { Description = "Dead letter ids (from 'dead-letters list')", Arity = ArgumentArity.ZeroOrMore };
        var all = new Option<bool>("--all") { Description = "Redrive every dead letter not yet redriven" };
        var reason = new Option<string?>("--reason") { Description = "A note kept with the redrive, e.g. 'case system back up'" };
        var redrive = new Command("redrive", "Send dead letters back to the queue they failed on (each redrive is recorded)");
        redrive.Arguments.Add(ids);
        redrive.Options.Add(all);
        redrive.Options.Add(reason);
        HubOptions.AddTo(redrive);
        redrive.SetAction((parse, cancellationToken) =>
        {
            var chosen = parse.GetValue(ids) ?? [];
            var everything = parse.GetValue(all);
            if (chosen.Length == 0 == !everything)
            {
                AnsiConsole.MarkupLine("[red]Name the dead letters to redrive, or pass --all (not both).[/]");
                return Task.FromResult(HubOptions.BadRequest);
            }
            return HubOptions.RunAsync(parse, async (client, headers) =>
            {
                var request = new RedriveRequest { All = everything, Reason = parse.GetValue(reason) ?? "hubctl" };
                request.Ids.AddRange(chosen);
                var response = await client.RedriveAsync(request, headers, cancellationToken: cancellationToken);
                if (response.Results.Count == 0) AnsiConsole.WriteLine("Nothing to redrive.");
                foreach (var r in response.Results)
                    AnsiConsole.MarkupLineInterpolated($"{r.Id}  {(r.Sent ? "[green]redriven[/]" : "[yellow]not sent[/]")}  {r.Detail}");
                return response.Results.All(r => r.Sent) ? 0 : HubOptions.Failed;
            });
        });

        var group = new Command("dead-letters", "Messages parked in error queues, and sending them again");
        group.Subcommands.Add(list);
        group.Subcommands.Add(redrive);
        return group;
    }
}
