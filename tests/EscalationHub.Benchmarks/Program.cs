using System.Diagnostics;
using EscalationHub.Benchmarks;

// The shared ledger's figures in one run: group commit against one entry per transaction on a durable SQLite file,
// append-to-signed-head latency, inclusion proofs at 1,000,000 entries, memory. --smoke: a tiny run to check it works;
// --keep: keep the stores it wrote.
var smoke = args.Contains("--smoke");
var scale = smoke ? Scale.Smoke : Scale.Full;
Console.WriteLine($"EscalationHub ledger benchmark ({(smoke ? "smoke" : "full")} run) on {Environment.ProcessorCount} cores, .NET {Environment.Version}, "
    + $"{(Debugger.IsAttached ? "debugger attached, " : "")}{(IsRelease() ? "Release" : "Debug build: figures are pessimistic")}");
// The machine may be shared: say how busy it was, since every figure below depends on it.
if (File.Exists("/proc/loadavg")) Console.WriteLine($"load average at start: {File.ReadAllText("/proc/loadavg").Trim()}");
var report = new Report();
await LedgerBenchmarks.RunAsync(scale, report, keep: args.Contains("--keep"));
if (File.Exists("/proc/loadavg")) report.Add("load average at the end (1, 5, 15 min)", string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)));
report.Print();
return 0;

static bool IsRelease() =>
    !typeof(LedgerBenchmarks).Assembly.GetCustomAttributes(typeof(DebuggableAttribute), false).OfType<DebuggableAttribute>().Any(d => d.IsJITOptimizerDisabled);
