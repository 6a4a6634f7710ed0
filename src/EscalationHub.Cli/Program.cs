using System.CommandLine;
using EscalationHub.Cli.Commands;

return await HubctlCommands.Build().Parse(args).InvokeAsync();

/// <summary>hubctl's commands: one group per file under Commands/.</summary>
public static class HubctlCommands
{
    public static RootCommand Build()
    {
        var root = new RootCommand("""
            hubctl: the EscalationHub operators' tool. Shows message flow, dead letters, overdue stages and adapters'
            health, without children's identities.

            Exit codes: 0 done; 1 failed; 2 bad arguments or request; 3 not authorised (operator token missing or
            wrong); 4 hub unreachable; 5 not found.
            """);
        root.Subcommands.Add(FlowCommands.Create());
        root.Subcommands.Add(DeadLetterCommands.Create());
        root.Subcommands.Add(OverdueCommands.Create());
        root.Subcommands.Add(AdapterCommands.Create());
        return root;
    }
}
