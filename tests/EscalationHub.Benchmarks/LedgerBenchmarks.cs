using System.Diagnostics;
using EscalationHub.Ledger;
using EscalationHub.Server.Concerns;
using EscalationHub.Server.Ledger;
using EscalationHub.Server.Messaging;
using EscalationHub.Server.Store;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace EscalationHub.Benchmarks;

public static class LedgerBenchmarks
{
    private static readonly byte[] Payload = """{"addressedTo":"leics-socialcare","category":"PhysicalAbuse","harmLevel":"SignificantHarm","reference":"CN-4KQ7ZP2M"}"""u8.ToArray();

    /// <summary>The ledger's figures; the appends store (a whole hub store) is left in <paramref name="directory"/>/appends
    /// for <see cref="FillHubStoreAsync"/>.</summary>
    public static async Task RunAsync(Scale scale, Report report, string directory)
    {
        try
        {
            await AppendsAsync(scale, report, Path.Combine(directory, "appends"));
            await ProofsAsync(scale, report, Path.Combine(directory, "proofs"));
        }
        finally
        {
            SqliteConnection.ClearAllPools();
        }
    }

    /// <summary>Tops a hub store up to <paramref name="entries"/> ledger entries through the hub's own write path
    /// (group commit, signed heads), so that a hub can be started on a store with that many.</summary>
    public static async Task FillHubStoreAsync(string directory, long entries)
    {
        using var host = await StartHubStoreAsync(directory);
        var next = CountEntries(directory) - 1;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, 256).Select(_ => Task.Run(async () =>
        {
            long i;
            while ((i = Interlocked.Increment(ref next)) < entries) await AppendAsync(host.Services, (int)i);
        })));
        Console.WriteLine($"hub store filled to {CountEntries(directory):N0} ledger entries in {clock.Elapsed.TotalSeconds:F0} s");
        await host.StopAsync();
        SqliteConnection.ClearAllPools();
    }

    private static long CountEntries(string directory)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(directory, "hub.db")};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM LedgerEntries";
        return (long)command.ExecuteScalar()!;
    }

    // The hub's own write path (HubUnitOfWork -> CommitCoordinator -> LedgerEntries, LedgerNodes, a signed head per
    // commit) on a WAL file with synchronous=FULL: one fsync per commit.
    private static async Task AppendsAsync(Scale scale, Report report, string directory)
    {
        using var host = await StartHubStoreAsync(directory);

        // One entry per transaction: the same path with one command in flight, so every commit holds one entry.
        var single = Stopwatch.StartNew();
        for (var i = 0; i < scale.SingleAppends; i++) await AppendAsync(host.Services, i);
        single.Stop();
        var singleRate = scale.SingleAppends / single.Elapsed.TotalSeconds;
        Console.WriteLine($"one entry per transaction: {scale.SingleAppends:N0} appends in {single.Elapsed.TotalSeconds:F2} s");

        // Group commit: many producers, each awaiting its own append; latency is from queueing to the commit of the
        // transaction that also stored the signed tree head covering the entry.
        var headsBefore = CountHeads(directory);
        var latencies = new List<double>[scale.Producers];
        var next = -1;
        var group = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, scale.Producers).Select(p => Task.Run(async () =>
        {
            var mine = latencies[p] = [];
            while (Interlocked.Increment(ref next) < scale.GroupCommitAppends)
            {
                var started = Stopwatch.GetTimestamp();
                await AppendAsync(host.Services, next);
                mine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        })));
        group.Stop();
        var groupRate = scale.GroupCommitAppends / group.Elapsed.TotalSeconds;
        var commits = CountHeads(directory) - headsBefore;
        var all = latencies.SelectMany(l => l).Order().ToList();
        Console.WriteLine($"group commit: {scale.GroupCommitAppends:N0} appends by {scale.Producers} producers in {group.Elapsed.TotalSeconds:F2} s, {commits:N0} commits");

        // Latency at a light load: one append at a time, 10 producers.
        var light = new List<double>();
        var lightNext = -1;
        var lightCount = Math.Min(2_000, scale.GroupCommitAppends / 10);
        await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => Task.Run(async () =>
        {
            while (Interlocked.Increment(ref lightNext) < lightCount)
            {
                var started = Stopwatch.GetTimestamp();
                await AppendAsync(host.Services, lightNext);
                lock (light) light.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        })));
        light.Sort();

        var size = await VerifyStoreAsync(host.Services, directory);
        report.Add("appends/s, group commit (durable file)", $"{groupRate:N0}", ">= 20,000");
        report.Add("appends/s, one entry per transaction", $"{singleRate:N0}");
        report.Add("group commit speed-up", $"{groupRate / singleRate:N1}x");
        report.Add("entries per commit under load (mean)", $"{(double)scale.GroupCommitAppends / Math.Max(1, commits):N1}");
        report.Add($"append-to-signed-head p50, {scale.Producers} producers", $"{Report.Percentile(all, 50):N1} ms");
        report.Add($"append-to-signed-head p99, {scale.Producers} producers", $"{Report.Percentile(all, 99):N1} ms", "< 100 ms");
        report.Add("append-to-signed-head p50, 10 producers", $"{Report.Percentile(light, 50):N1} ms");
        report.Add("append-to-signed-head p99, 10 producers", $"{Report.Percentile(light, 99):N1} ms", "< 100 ms");
        report.Add("store verified after the run (entries)", $"{size:N0}");
        await host.StopAsync();
    }

    // A log of ProofLogSize entries' subtree hashes (what proofs read), built in large transactions, then inclusion
    // proofs generated from the store (one batched read each) and verified (RFC 9162 2.1.3.2) on one thread.
    private static async Task ProofsAsync(Scale scale, Report report, string directory)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, "proofs.db");
        GC.Collect();
        var heapBefore = GC.GetTotalMemory(forceFullCollection: true);
        await using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        await connection.OpenAsync();
        await Execute(connection, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; CREATE TABLE LedgerNodes (Level INTEGER NOT NULL, Idx INTEGER NOT NULL, Hash BLOB NOT NULL, PRIMARY KEY (Level, Idx)) WITHOUT ROWID;");
        var build = Stopwatch.StartNew();
        var leaves = new List<MerkleHash>(50_000);
        for (long i = 0; i < scale.ProofLogSize; i += 50_000)
        {
            leaves.Clear();
            for (var j = i; j < Math.Min(scale.ProofLogSize, i + 50_000); j++) leaves.Add(TreeHasher.HashLeaf(BitConverter.GetBytes(j)));
            await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync();
            using var store = new LedgerNodeStore(connection, transaction);
            await new MerkleLog(store).AppendAsync(leaves);
            await transaction.CommitAsync();
        }
        build.Stop();
        Console.WriteLine($"built a {scale.ProofLogSize:N0}-entry tree in {build.Elapsed.TotalSeconds:F1} s");

        using var reader = new LedgerNodeStore(connection);
        var log = new MerkleLog(reader);
        var size = await log.GetSizeAsync();
        var root = await log.GetRootAsync(size);
        var random = new Random(42);
        var proofs = new List<(InclusionProof Proof, MerkleHash Leaf)>(scale.Proofs);
        var generate = Stopwatch.StartNew();
        for (var i = 0; i < scale.Proofs; i++)
        {
            var index = random.NextInt64(size);
            proofs.Add((await log.GetInclusionProofAsync(index, size), TreeHasher.HashLeaf(BitConverter.GetBytes(index))));
        }
        generate.Stop();

        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var verify = Stopwatch.StartNew();
        var ok = 0;
        for (var i = 0; i < scale.Verifications; i++)
        {
            var (proof, leaf) = proofs[i % proofs.Count];
            if (proof.Verify(leaf, root)) ok++;
        }
        verify.Stop();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        if (ok != scale.Verifications) throw new InvalidOperationException($"{scale.Verifications - ok} proofs failed to verify");

        var heapAfter = GC.GetTotalMemory(forceFullCollection: true);
        GC.KeepAlive(proofs);
        proofs.Clear();
        var heapWithoutProofs = GC.GetTotalMemory(forceFullCollection: true);
        report.Add($"inclusion proofs generated/s at {size:N0} entries", $"{scale.Proofs / generate.Elapsed.TotalSeconds:N0}");
        report.Add($"inclusion proofs verified/s, one thread, {size:N0} entries", $"{scale.Verifications / verify.Elapsed.TotalSeconds:N0}");
        // On a shared machine the thread does not get a whole core: per CPU-second is the per-core figure.
        report.Add($"inclusion proofs verified per CPU-second (per core)", $"{scale.Verifications / cpu.TotalSeconds:N0}", ">= 100,000");
        report.Add($"proof length at {size:N0} entries", $"{(await log.GetInclusionProofAsync(0, size)).Path.Count} hashes");
        report.Add($"managed heap growth with a {size:N0}-entry log open", $"{(heapWithoutProofs - heapBefore) / 1024.0:N0} KiB");
        report.Add("process working set at the end", $"{Process.GetCurrentProcess().WorkingSet64 / (1024.0 * 1024):N0} MiB");
        report.Add($"node table on disk for {size:N0} entries", $"{new FileInfo(path).Length / (1024.0 * 1024):N0} MiB");
    }

    private static async Task<IHost> StartHubStoreAsync(string directory)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = "Production" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Store:Path"] = Path.Combine(directory, "hub.db") });
        builder.Services.AddLogging();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<OutboxSignal>();
        builder.AddHubStore();
        builder.AddConcerns();
        builder.AddHubLedger();
        var host = builder.Build();
        await host.MigrateHubStoreAsync();
        await host.StartAsync();
        return host;
    }

    private static async Task AppendAsync(IServiceProvider services, int i)
    {
        await using var scope = services.CreateAsyncScope();
        var unit = scope.ServiceProvider.GetRequiredService<HubUnitOfWork>();
        var ledger = scope.ServiceProvider.GetRequiredService<LedgerWriter>();
        await unit.ExecuteAsync(_ =>
        {
            ledger.AppendBytes($"CF-{i % 50_000:D8}", $"case-{i}", "concern.raised", "uhl-health", "Paediatric registrar", DateTimeOffset.UtcNow, Payload);
            return Task.CompletedTask;
        }, CancellationToken.None);
    }

    private static long CountHeads(string directory)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(directory, "hub.db")};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM LedgerTreeHeads";
        return (long)command.ExecuteScalar()!;
    }

    // The whole store through the streaming verifier against its newest head: the benchmark wrote a valid log.
    private static async Task<long> VerifyStoreAsync(IServiceProvider services, string directory)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(directory, "hub.db")};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync();
        await using var headCommand = connection.CreateCommand();
        headCommand.CommandText = "SELECT TreeSize, RootHash, TimestampTicks, Signature FROM LedgerTreeHeads ORDER BY TreeSize DESC LIMIT 1";
        SignedTreeHead head;
        await using (var r = await headCommand.ExecuteReaderAsync())
        {
            await r.ReadAsync();
            head = LedgerTreeHeads.FromRecord(new LedgerTreeHeadRecord { TreeSize = r.GetInt64(0), RootHash = (byte[])r[1], TimestampTicks = r.GetInt64(2), Signature = (byte[])r[3] });
        }
        var result = LedgerVerifier.Verify(Rows(connection), head, services.GetRequiredService<HubSigningKey>().Key);
        return result.IsValid ? result.EntriesVerified : throw new InvalidOperationException(result.ToString());

        static IEnumerable<LedgerRow> Rows(SqliteConnection connection)
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT Sequence, EntryBytes FROM LedgerEntries ORDER BY Sequence";
            using var reader = command.ExecuteReader();
            while (reader.Read()) yield return LedgerRow.ForEntry(reader.GetInt64(0), (byte[])reader[1]);
        }
    }

    private static async Task Execute(SqliteConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }
}
