using System.CommandLine;

namespace EscalationHub.Cli.Ledger;

public static class LedgerCommands
{
    public static Command Create() => new("ledger", "The shared ledger (the joint child file): verify a hub's store")
    {
        VerifyCommand.Create(),
    };
}
