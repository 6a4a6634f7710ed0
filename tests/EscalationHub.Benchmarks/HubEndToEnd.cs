using System.Collections.Concurrent;
using System.Diagnostics;
using EscalationHub.IntegrationTests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace EscalationHub.Benchmarks;

/// <summary>The hub end to end on the broker, as separate processes: a concern raised over gRPC is committed with its
/// ledger entry and outbox messages, sent to the social care adapter, handed to its (simulated) case system, which
/// acknowledges it (and decides it) back over the broker; the figure is taken when the hub has committed the
/// acknowledgement (its status change row is in the hub's store, read from the file: polled every millisecond).</summary>
public static class HubEndToEnd
{
    public sealed record Result(double SaturatedPerSecond, double RatePaced, double P50Ms, double P99Ms, int PacedCount, double RaiseOnlyPerSecond,
        string Breakdown, string PacedBreakdown, string SaturatedCpu, string RaiseOnlyCpu);

    /// <summary>Quiet logs (Warning) in both processes: the figures are the hub's, not the console's.</summary>
    private static readonly Dictionary<string, string> Quiet = new() { ["Logging:LogLevel:Default"] = "Warning" };

    public static async Task<Result> RunAsync(RabbitMqNode broker, int callers, TimeSpan duration)
    {
        var uri = await broker.NewVirtualHostAsync();
        await using var hub = await TestHub.StartAsync(uri, Quiet);
        var adapter = await TestAdapter.StartSocialCareAsync(uri, extra: Quiet);
        try
        {
            // The hospital's client certificate over mutual TLS, as a real caller (as the mutual-TLS echo baseline calls).
            var concerns = hub.As("uhl-health").Concerns;
            using var acknowledged = new AcknowledgementWatch(hub.DatabasePath);

            async Task<double> RaiseAndAwaitAsync(long i)
            {
                var started = Stopwatch.GetTimestamp();
                var request = Calls.NewConcern(i);
                var wait = acknowledged.Expect(request.IdempotencyKey);
                var concern = await concerns.RaiseConcernAsync(request);
                acknowledged.Bind(request.IdempotencyKey, concern.ConcernId);
                return (await wait.WaitAsync(TimeSpan.FromMinutes(2)) - started) * 1000.0 / Stopwatch.Frequency;
            }

            // Saturation: closed loop, many callers each waiting for their own acknowledgement before the next.
            var processes = new Dictionary<string, int>
            {
                ["hub"] = hub.ProcessId!.Value, ["adapter"] = adapter.ProcessId, ["broker"] = ProcessCpu.BrokerProcess(broker.NodeName),
            };
            ProcessCpu? cpu = null;
            var measuredSince = 0L;
            var saturated = await Calls.SaturateAsync(callers, duration, RaiseAndAwaitAsync, () =>
            {
                measuredSince = DateTimeOffset.UtcNow.UtcTicks;
                cpu = ProcessCpu.Start(processes);
            });
            var saturatedCpu = ProcessCpu.Format(cpu!.Stop(saturated * duration.TotalSeconds));
            Console.WriteLine($"hub end to end: {callers} callers for {duration.TotalSeconds:F0} s: {saturated:N1} concerns/s acknowledged");
            Console.WriteLine($"hub end to end: CPU ms per concern: {saturatedCpu}");
            await hub.SettledCountsAsync();
            var breakdown = await Breakdown(hub, measuredSince);

            // Half of it, open loop: each concern is raised on schedule whatever happened to the ones before, and its
            // latency is counted from when it was due to be raised (no coordinated omission).
            var rate = Math.Max(1, saturated / 2);
            var count = Math.Max(20, (int)(rate * duration.TotalSeconds));
            var latencies = new ConcurrentBag<double>();
            var pacedSince = DateTimeOffset.UtcNow.UtcTicks;
            var start = Stopwatch.GetTimestamp();
            var pending = new List<Task>(count);
            for (var i = 0; i < count; i++)
            {
                var due = start + (long)(i / rate * Stopwatch.Frequency);
                while (Stopwatch.GetTimestamp() < due)
                {
                    var ms = (due - Stopwatch.GetTimestamp()) * 1000 / Stopwatch.Frequency;
                    if (ms > 1) await Task.Delay((int)ms - 1); else Thread.SpinWait(50);
                }
                var n = 10_000_000L + i;
                pending.Add(Task.Run(async () =>
                {
                    var request = Calls.NewConcern(n);
                    var wait = acknowledged.Expect(request.IdempotencyKey);
                    var concern = await concerns.RaiseConcernAsync(request);
                    acknowledged.Bind(request.IdempotencyKey, concern.ConcernId);
                    latencies.Add((await wait.WaitAsync(TimeSpan.FromMinutes(2)) - due) * 1000.0 / Stopwatch.Frequency);
                }));
            }
            await Task.WhenAll(pending);
            var sorted = latencies.Order().ToList();
            Console.WriteLine($"hub end to end at {rate:N1}/s for {count} concerns: p50 {Report.Percentile(sorted, 50):N1} ms, p99 {Report.Percentile(sorted, 99):N1} ms");
            await hub.SettledCountsAsync();
            var pacedBreakdown = await Breakdown(hub, pacedSince);

            // RaiseConcern alone (gRPC call to committed), with the adapter stopped: nothing is answered meanwhile.
            await adapter.DisposeAsync();
            Console.WriteLine("RaiseConcern alone: starting");
            processes.Remove("adapter");
            var raiseOnly = await Calls.SaturateAsync(callers, duration, i => concerns.RaiseConcernAsync(Calls.NewConcern(20_000_000L + i)).ResponseAsync,
                () => cpu = ProcessCpu.Start(processes));
            var raiseOnlyCpu = ProcessCpu.Format(cpu!.Stop(raiseOnly * duration.TotalSeconds));
            Console.WriteLine($"RaiseConcern alone: {callers} callers for {duration.TotalSeconds:F0} s: {raiseOnly:N0} calls/s");
            Console.WriteLine($"RaiseConcern alone: CPU ms per call: {raiseOnlyCpu}");
            return new Result(saturated, rate, Report.Percentile(sorted, 50), Report.Percentile(sorted, 99), count, raiseOnly, breakdown, pacedBreakdown,
                saturatedCpu, raiseOnlyCpu);
        }
        finally
        {
            await adapter.DisposeAsync();
            if (Environment.GetEnvironmentVariable("BENCH_SHOW_OUTPUT") == "1") Console.WriteLine(hub.Output);
        }
    }

    /// <summary>Where a concern's time went, from the hub's own flow events (one per message, with its sent, delivered
    /// and acknowledged times) for the concerns raised since the given UTC ticks: medians (and 99th percentiles) per stage.</summary>
    private static async Task<string> Breakdown(TestHub hub, long since)
    {
        await using var connection = new SqliteConnection($"Data Source={hub.DatabasePath};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync();
        var raised = new Dictionary<string, long>();
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT Reference, RaisedAt FROM Concerns WHERE RaisedAt >= $since";
            command.Parameters.AddWithValue("$since", since);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync()) raised[reader.GetString(0)] = reader.GetInt64(1);
        }
        var flows = new Dictionary<(string, string), (long? Sent, long? Delivered, long? Acknowledged)>();
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT CaseReference, MessageType, SentAt, DeliveredAt, AcknowledgedAt FROM FlowEvents WHERE MessageType IN ('ConcernRaised', 'AcknowledgeConcern', 'DecideConcern') AND CaseReference IS NOT NULL";
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                // The agency's first reply: its acknowledgement, or the decision that carries it (given at once).
                var type = reader.GetString(1) == "ConcernRaised" ? "ConcernRaised" : "Reply";
                var row = (reader.IsDBNull(2) ? (long?)null : reader.GetInt64(2), reader.IsDBNull(3) ? (long?)null : reader.GetInt64(3), reader.IsDBNull(4) ? (long?)null : reader.GetInt64(4));
                var key = (reader.GetString(0), type);
                if (!flows.TryGetValue(key, out var seen) || (row.Item1 ?? long.MaxValue) < (seen.Sent ?? long.MaxValue)) flows[key] = row;
            }
        }
        var stages = new[] { "raised->outbox send", "send->broker confirm", "confirm->adapter replied", "reply->hub received", "received->applied" }
            .ToDictionary(s => s, _ => new List<double>());
        foreach (var (reference, at) in raised)
        {
            if (!flows.TryGetValue((reference, "ConcernRaised"), out var sent) || !flows.TryGetValue((reference, "Reply"), out var ack)) continue;
            if (sent is not { Sent: { } s1, Delivered: { } d1 } || ack is not { Sent: { } s2, Delivered: { } d2, Acknowledged: { } a2 }) continue;
            stages["raised->outbox send"].Add((s1 - at) / 1e4);
            stages["send->broker confirm"].Add((d1 - s1) / 1e4);
            stages["confirm->adapter replied"].Add((s2 - d1) / 1e4);
            stages["reply->hub received"].Add((d2 - s2) / 1e4);
            stages["received->applied"].Add((a2 - d2) / 1e4);
        }
        return string.Join(", ", stages.Select(s => (s.Key, Sorted: s.Value.Order().ToList()))
                   .Select(s => $"{s.Key} {Report.Percentile(s.Sorted, 50):N1}/{Report.Percentile(s.Sorted, 99):N1} ms"))
               + $" (p50/p99 of {stages.First().Value.Count})";
    }
}

/// <summary>Completes a waiter when the hub has committed the acknowledgement of its concern: one reader polls the
/// hub's SQLite file (read-only, WAL) for new "Acknowledged" status changes.</summary>
public sealed class AcknowledgementWatch : IDisposable
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource<long>> byKey = new();
    private readonly ConcurrentDictionary<Guid, TaskCompletionSource<long>> byConcern = new();
    private readonly Dictionary<Guid, long> early = [];
    private readonly Thread thread;
    private volatile bool stopped;

    public AcknowledgementWatch(string databasePath)
    {
        thread = new Thread(() => Poll(databasePath)) { IsBackground = true, Name = "ack-watch" };
        thread.Start();
    }

    public Task<long> Expect(string key) =>
        byKey.GetOrAdd(key, _ => new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    public void Bind(string key, string concernId)
    {
        if (!byKey.TryRemove(key, out var waiter)) return;
        var id = Guid.Parse(concernId);
        lock (early)
        {
            if (early.Remove(id, out var at)) waiter.TrySetResult(at);
            else byConcern[id] = waiter;
        }
    }

    private void Poll(string databasePath)
    {
        using var connection = new SqliteConnection($"Data Source={databasePath};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT rowid, ConcernId FROM ConcernStatusChanges WHERE rowid > $last AND Status = 'Acknowledged' ORDER BY rowid";
        var last = command.Parameters.AddWithValue("$last", 0L);
        long lastRow = 0;
        while (!stopped)
        {
            var now = Stopwatch.GetTimestamp();
            using (var reader = command.ExecuteReader())
                while (reader.Read())
                {
                    lastRow = reader.GetInt64(0);
                    var id = Guid.Parse(reader.GetString(1));
                    // The RaiseConcern answer may not have been bound yet (the acknowledgement can beat the reply).
                    lock (early)
                    {
                        if (byConcern.TryRemove(id, out var waiter)) waiter.TrySetResult(now);
                        else early[id] = now;
                    }
                }
            last.Value = lastRow;
            Thread.Sleep(1);
        }
    }

    public void Dispose()
    {
        stopped = true;
        thread.Join();
    }
}
