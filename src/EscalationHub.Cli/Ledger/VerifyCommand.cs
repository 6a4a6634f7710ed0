using System.CommandLine;
using EscalationHub.Ledger;
using Microsoft.Data.Sqlite;
using Spectre.Console;

namespace EscalationHub.Cli.Ledger;

/// <summary><c>hubctl ledger verify --store hub.db [--public-key key.pem]</c>: one streaming pass over the whole log.</summary>
public static class VerifyCommand
{
    private const string PublicKeyBesideStore = "hub-public-key.pem";

    public static Command Create()
    {
        var store = new Option<FileInfo>("--store")
        {
            Description = "The hub's SQLite file (hub.db). Opened read-only.",
            Required = true,
            HelpName = "path",
        };
        var publicKey = new Option<FileInfo?>("--public-key")
        {
            Description = $"The hub's tree-head public key (PEM). Default: {PublicKeyBesideStore} beside the store; "
                + "pass a copy held apart from the store to catch an attacker who can also replace that file.",
            HelpName = "pem",
        };
        var quiet = new Option<bool>("--no-progress") { Description = "Do not draw a progress bar (for logs and scripts)." };
        var command = new Command("verify", """
            Verifies a whole ledger store in one streaming pass: every entry re-hashed and checked against its stored
            leaf hash, sequence numbers without gaps, and the tree folded to the root of the newest signed tree head
            (each older stored head checked on the way). Names the first bad entry when a row was edited, deleted or
            reordered. Exit codes: 0 intact, 1 tampered, 2 usage or I/O error.
            """)
        {
            store,
            publicKey,
            quiet,
        };
        command.SetAction((parse, cancellationToken) =>
            RunAsync(parse.GetRequiredValue(store), parse.GetValue(publicKey), parse.GetValue(quiet), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(FileInfo storeFile, FileInfo? keyFile, bool noProgress, CancellationToken cancellationToken)
    {
        if (!storeFile.Exists) return Usage($"no store at {storeFile.FullName}");
        keyFile ??= new FileInfo(Path.Combine(storeFile.DirectoryName ?? ".", PublicKeyBesideStore));
        if (!keyFile.Exists) return Usage($"no public key at {keyFile.FullName} (pass --public-key)");

        try
        {
            using var hubKey = LedgerKeys.ImportPublicKeyPem(await File.ReadAllTextAsync(keyFile.FullName, cancellationToken));
            var source = new StoredLedger(storeFile.FullName);
            var head = source.LatestHead();
            var stored = source.EntryCount();
            if (head is null)
            {
                if (stored == 0)
                {
                    Console.WriteLine("ok: the ledger is empty");
                    return ExitCodes.Ok;
                }
                return Tampered($"{stored} entries are stored but there is no signed tree head: the heads were removed");
            }

            LedgerVerificationResult result;
            var options = new LedgerVerificationOptions
            {
                Checkpoints = source.Heads(),
                ProgressInterval = Math.Max(1, head.TreeSize / 200),
            };
            if (noProgress || !AnsiConsole.Profile.Capabilities.Interactive)
            {
                result = LedgerVerifier.Verify(source.Rows(), head, hubKey, options, cancellationToken);
            }
            else
            {
                result = await AnsiConsole.Progress()
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                    .StartAsync(context =>
                    {
                        var task = context.AddTask($"verifying {head.TreeSize:N0} entries", maxValue: Math.Max(1, head.TreeSize));
                        var withProgress = options with { Progress = p => task.Value = p.EntriesVerified };
                        return Task.Run(() => LedgerVerifier.Verify(source.Rows(), head, hubKey, withProgress, cancellationToken), cancellationToken);
                    });
            }

            if (source.ColumnFault is { } columnFault) return Tampered(columnFault);
            if (!result.IsValid) return Tampered(result.ToString());
            Console.WriteLine($"ok: {result} signed {head.Timestamp:u}");
            if (stored > head.TreeSize)
                Console.WriteLine($"note: {stored - head.TreeSize} entries are newer than the newest signed head and were not verified");
            return ExitCodes.Ok;
        }
        catch (Exception ex) when (ex is SqliteException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            return Usage($"cannot read the store or key: {ex.Message}");
        }
        catch (Exception ex) when (ex is InvalidCastException or FormatException or InvalidOperationException)
        {
            // Rows the verifier cannot even read (wrong column types): the store is damaged or tampered with.
            return Tampered($"the ledger tables cannot be read as a ledger: {ex.Message}");
        }
    }

    private static int Tampered(string line)
    {
        // Plain lines, never wrapped, so scripts and logs can match them.
        Console.WriteLine($"TAMPERED: {line}");
        return ExitCodes.Tampered;
    }

    private static int Usage(string message)
    {
        Console.Error.WriteLine($"hubctl: {message}");
        return ExitCodes.UsageOrIo;
    }
}
