using EscalationHub.Contracts.V1;
using EscalationHub.IntegrationTests.Infrastructure;

namespace EscalationHub.Benchmarks;

/// <summary>The hub's memory with a large ledger: the hub process started on a store already holding the entries
/// (written by <see cref="LedgerBenchmarks.FillHubStoreAsync"/>), serving proofs from it and appending to it, then its
/// working set (VmRSS) and peak (VmHWM) read from /proc.</summary>
public static class HubMemory
{
    public sealed record Result(long Entries, double WorkingSetMiB, double PeakMiB);

    public static async Task<Result> RunAsync(RabbitMqNode broker, string storeDirectory, int concerns)
    {
        var uri = await broker.NewVirtualHostAsync();
        await using var hub = await TestHub.StartAsync(uri, new Dictionary<string, string> { ["Logging:LogLevel:Default"] = "Warning" }, directory: storeDirectory);
        var ledger = new EscalationHub.Contracts.V1.Ledger.LedgerClient(hub.Channel);
        var head = await ledger.GetLatestTreeHeadAsync(new GetLatestTreeHeadRequest());
        var random = new Random(7);
        for (var i = 0; i < 500; i++)
            await ledger.GetInclusionProofAsync(new GetInclusionProofRequest { EntryIndex = random.NextInt64(head.TreeSize), TreeSize = head.TreeSize });
        // Appends to the large log, and sends (no adapter runs: the messages wait in the agencies' queues).
        var client = hub.As("uhl-health").Concerns;
        await Task.WhenAll(Enumerable.Range(0, 16).Select(w => Task.Run(async () =>
        {
            for (var i = w; i < concerns; i += 16) await client.RaiseConcernAsync(Calls.NewConcern(30_000_000L + i));
        })));
        await Task.Delay(TimeSpan.FromSeconds(2));
        var pid = HubProcessId(hub.Directory) ?? throw new InvalidOperationException("the hub process was not found");
        var (rss, peak) = Memory(pid);
        var entries = (await ledger.GetLatestTreeHeadAsync(new GetLatestTreeHeadRequest())).TreeSize;
        Console.WriteLine($"hub on a {entries:N0}-entry ledger: working set {rss:N0} MiB, peak {peak:N0} MiB");
        return new Result(entries, rss, peak);
    }

    /// <summary>The hub process working in <paramref name="directory"/> (the test fixture starts it there).</summary>
    private static int? HubProcessId(string directory)
    {
        foreach (var proc in Directory.GetDirectories("/proc").Select(Path.GetFileName))
        {
            if (!int.TryParse(proc, out var pid)) continue;
            try
            {
                var cwd = new DirectoryInfo($"/proc/{pid}/cwd").ResolveLinkTarget(false)?.FullName;
                if (cwd?.TrimEnd('/') == directory.TrimEnd('/') && File.ReadAllText($"/proc/{pid}/cmdline").Contains("EscalationHub.Server.dll"))
                    return pid;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { }
        }
        return null;
    }

    private static (double RssMiB, double PeakMiB) Memory(int pid)
    {
        double Read(string key) => File.ReadLines($"/proc/{pid}/status").Where(l => l.StartsWith(key + ":"))
            .Select(l => double.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024).First();
        return (Read("VmRSS"), Read("VmHWM"));
    }
}
