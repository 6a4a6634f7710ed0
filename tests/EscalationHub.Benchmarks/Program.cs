using System.Diagnostics;
using EscalationHub.Benchmarks;
using EscalationHub.IntegrationTests.Infrastructure;
using Microsoft.Data.Sqlite;

// One run, one machine, one table: the shared ledger (group commit, proofs at 1,000,000 entries), the deadline
// scheduler as open disagreements grow, the raw parts the hub is built on (RabbitMQ.Client on a private broker node,
// a bare Grpc.AspNetCore echo) and the hub end to end on the same broker, with the ratios of hub to raw.
// --smoke: a small run that checks every measurement still works; --keep: keep the stores it wrote;
// --only=hub (raw baselines, hub end to end, hub memory), --only=ledger,deadlines or --only=e2e (the hub end to end
// alone): a part of it, while working on it.
// The stores it writes are handed to hub processes, which refuse data open to other users: make them private as the
// hub itself would.
EscalationHub.Security.DataAtRest.Protect();
var smoke = args.Contains("--smoke");
var only = args.FirstOrDefault(a => a.StartsWith("--only="))?["--only=".Length..].Split(',') ?? ["ledger", "deadlines", "hub"];
var scale = smoke ? Scale.Smoke : Scale.Full;
if (Environment.GetEnvironmentVariable("BENCH_SECONDS") is { Length: > 0 } seconds) scale = scale with { Measure = TimeSpan.FromSeconds(int.Parse(seconds)) };
Calls.WarmUp = TimeSpan.FromSeconds(int.TryParse(Environment.GetEnvironmentVariable("BENCH_WARMUP"), out var warmUp) ? warmUp : smoke ? 1 : 30);
const int Callers = 64;
Console.WriteLine($"EscalationHub benchmark ({(smoke ? "smoke" : "full")} run) on {Environment.ProcessorCount} cores, .NET {Environment.Version}, "
    + $"{(Debugger.IsAttached ? "debugger attached, " : "")}{(IsRelease() ? "Release" : "Debug build: figures are pessimistic")}");
// The machine may be shared: say how busy it was, since every figure below depends on it.
Console.WriteLine($"load average at start: {Report.LoadAverage()}");
var started = Stopwatch.StartNew();
var directory = Path.Combine(Path.GetTempPath(), $"eh-bench-{Guid.NewGuid():N}");
var report = new Report();
var broker = new RabbitMqNode { NodeName = $"ehbench{Environment.ProcessId}@localhost" };
var brokerStarted = false;
try
{
    var hubStore = Path.Combine(directory, "appends");
    if (only.Contains("ledger"))
    {
        report.Section("ledger");
        await LedgerBenchmarks.RunAsync(scale, report, directory);
    }
    if (only.Contains("hub")) await LedgerBenchmarks.FillHubStoreAsync(hubStore, scale.HubLedgerEntries);

    if (only.Contains("deadlines")) await Deadlines();
    if (only.Contains("hub")) await Hub();
    if (only.Contains("e2e")) await EndToEndOnly();
}
finally
{
    if (brokerStarted) await broker.DisposeAsync();
    SqliteConnection.ClearAllPools();
    if (args.Contains("--keep")) Console.WriteLine($"kept: {directory} (appends/hub.db is a hub store: try hubctl ledger verify --store on it)");
    else try { Directory.Delete(directory, recursive: true); } catch (IOException) { }
}
report.Add("load average at the end (1, 5, 15 min)", Report.LoadAverage());
report.Add("duration of the run", $"{started.Elapsed.TotalMinutes:N1} min");
report.Print();
return 0;

async Task Deadlines()
{
    report.Section("deadline scheduler");
    var levels = await DeadlineBenchmarks.RunAsync(scale.OpenDisagreements, scale.DueDisagreements, Path.Combine(directory, "deadlines"));
    foreach (var level in levels)
        report.Add($"scheduler per due deadline, {level.Open:N0} open + {level.Due} due", $"{level.MsPerDue:N2} ms");
    foreach (var level in levels)
        report.Add($"scheduler pass with nothing due, {level.Open:N0} open", $"{level.IdlePassMs:N2} ms");
    var flat = levels[^1].MsPerDue / levels[0].MsPerDue;
    report.Add($"per due deadline, {levels[^1].Open:N0} / {levels[0].Open:N0} open", $"{flat:N2}x", "flat (< 2x)", flat < 2);
}

async Task Hub()
{
    var hubStore = Path.Combine(directory, "appends");

    await broker.InitializeAsync();
    brokerStarted = true;
    var brokerUri = await broker.NewVirtualHostAsync();
    var raw = await BrokerBaselines.RunAsync(brokerUri, scale.BrokerMessages, Callers, ProcessCpu.BrokerProcess(broker.NodeName));
    var echo = await GrpcEcho.RunAsync(Callers, scale.Measure);
    var echoTls = await GrpcEcho.RunMutualTlsAsync(Callers, scale.Measure, Path.Combine(directory, "echo-certs"));
    var hub = await HubEndToEnd.RunAsync(broker, Callers, scale.Measure);
    PrintWhereTheTimeGoes(hub);
    var memory = await HubMemory.RunAsync(broker, hubStore, smoke ? 50 : 500);

    report.Section("raw baselines");
    report.Add("RabbitMQ.Client one way: persistent, confirmed, acked (msg/s)", $"{raw.OneWayPerSecond:N0}");
    report.Add("RabbitMQ.Client round trip: request + confirmed reply (/s)", $"{raw.RoundTripsPerSecond:N0}");
    report.Add($"Grpc.Net.Client unary echo, plaintext, {Callers} callers (calls/s)", $"{echo:N0}");
    report.Add($"Grpc.Net.Client unary echo, mutual TLS as the hub, {Callers} callers (calls/s)", $"{echoTls:N0}");
    report.Section("hub end to end (hub and social care adapter processes, same broker)");
    report.Add($"raise -> acknowledgement committed, {Callers} callers (/s)", $"{hub.SaturatedPerSecond:N0}");
    report.Add($"latency p50 at half load ({hub.RatePaced:N0}/s open loop, {hub.PacedCount:N0})", $"{hub.P50Ms:N1} ms");
    report.Add("latency p99 at half load", $"{hub.P99Ms:N1} ms", "< 25 ms", hub.P99Ms < 25);
    report.Add($"RaiseConcern alone (call -> committed), {Callers} callers (/s)", $"{hub.RaiseOnlyPerSecond:N0}");
    report.Add($"hub working set with {memory.Entries:N0} ledger entries", $"{memory.WorkingSetMiB:N0} MiB", "< 300 MiB", memory.WorkingSetMiB < 300);
    report.Add("hub peak working set (VmHWM)", $"{memory.PeakMiB:N0} MiB");
    report.Section("ratios");
    var e2eRatio = hub.SaturatedPerSecond / raw.RoundTripsPerSecond;
    var raiseRatio = hub.RaiseOnlyPerSecond / echoTls;
    report.Add("hub end to end / raw broker round trip", $"{e2eRatio:N2}x", ">= 0.5x", e2eRatio >= 0.5);
    report.Add("hub end to end / raw broker one way", $"{hub.SaturatedPerSecond / raw.OneWayPerSecond:N2}x");
    report.Add("RaiseConcern / gRPC echo over mutual TLS", $"{raiseRatio:N2}x", ">= 0.3x", raiseRatio >= 0.3);
    report.Add("RaiseConcern / gRPC echo plaintext", $"{hub.RaiseOnlyPerSecond / echo:N2}x");
}

// The hub end to end alone (no baselines, no million-entry store): for profiling one stage while working on it.
async Task EndToEndOnly()
{
    await broker.InitializeAsync();
    brokerStarted = true;
    var hub = await HubEndToEnd.RunAsync(broker, Callers, scale.Measure);
    PrintWhereTheTimeGoes(hub);
    report.Section("hub end to end (hub and social care adapter processes, same broker)");
    report.Add($"raise -> acknowledgement committed, {Callers} callers (/s)", $"{hub.SaturatedPerSecond:N0}");
    report.Add($"latency p50 at half load ({hub.RatePaced:N0}/s open loop, {hub.PacedCount:N0})", $"{hub.P50Ms:N1} ms");
    report.Add("latency p99 at half load", $"{hub.P99Ms:N1} ms", "< 25 ms", hub.P99Ms < 25);
    report.Add($"RaiseConcern alone (call -> committed), {Callers} callers (/s)", $"{hub.RaiseOnlyPerSecond:N0}");
}

static void PrintWhereTheTimeGoes(HubEndToEnd.Result hub)
{
    Console.WriteLine($"where the time goes (saturation run): {hub.Breakdown}");
    Console.WriteLine($"where the time goes (half load): {hub.PacedBreakdown}");
    Console.WriteLine($"CPU ms per concern end to end, by process: {hub.SaturatedCpu}");
    Console.WriteLine($"CPU ms per RaiseConcern alone, by process: {hub.RaiseOnlyCpu}");
}

static bool IsRelease() =>
    !typeof(LedgerBenchmarks).Assembly.GetCustomAttributes(typeof(DebuggableAttribute), false).OfType<DebuggableAttribute>().Any(d => d.IsJITOptimizerDisabled);
