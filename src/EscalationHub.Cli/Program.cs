using System.CommandLine;
using EscalationHub.Cli;
using EscalationHub.Cli.Ledger;

// hubctl: operator commands for EscalationHub. Add a command group by adding one line here.
var root = new RootCommand("hubctl: operator commands for EscalationHub (exit codes: 0 ok, 1 tampered, 2 usage or I/O error)")
{
    LedgerCommands.Create(),
};

var parsed = root.Parse(args);
if (parsed.Errors.Count > 0)
{
    foreach (var error in parsed.Errors) Console.Error.WriteLine($"hubctl: {error.Message}");
    Console.Error.WriteLine("Run 'hubctl --help' (or the command with --help) for usage.");
    return ExitCodes.UsageOrIo;
}
return await parsed.InvokeAsync();
