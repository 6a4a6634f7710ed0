using System.CommandLine;
using EscalationHub.Cli;
using EscalationHub.Cli.Commands;
using EscalationHub.Cli.Ledger;

var parsed = HubctlCommands.Build().Parse(args);
if (parsed.Errors.Count > 0)
{
    foreach (var error in parsed.Errors) Console.Error.WriteLine($"hubctl: {error.Message}");
    Console.Error.WriteLine("Run 'hubctl --help' (or the command with --help) for usage.");
    return ExitCodes.UsageOrIo;
}
return await parsed.InvokeAsync();

/// <summary>hubctl's commands: one group per file (Commands/, Ledger/). Add a group by adding one line here.</summary>
public static class HubctlCommands
{
    public static RootCommand Build() => new("""
        hubctl: the EscalationHub operators' tool. Shows message flow, dead letters, overdue stages and adapters'
        health, without children's identities, and verifies the ledger.

        Exit codes: 0 done (ledger intact); 1 failed (ledger tampered); 2 bad arguments, request, or unreadable store;
        3 not authorised (operator certificate missing, refused or not an operator's); 4 hub unreachable; 5 not found.
        """)
    {
        FlowCommands.Create(),
        DeadLetterCommands.Create(),
        OverdueCommands.Create(),
        AdapterCommands.Create(),
        LedgerCommands.Create(),
        CertificateCommands.Create(),
    };
}
