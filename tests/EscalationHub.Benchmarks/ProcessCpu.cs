namespace EscalationHub.Benchmarks;

/// <summary>CPU time used by the processes of a measurement, read from <c>/proc/&lt;pid&gt;/stat</c> (user + system,
/// in clock ticks of 10 ms) before and after it, so a throughput figure can be turned into CPU milliseconds per item
/// for each process: on a 2-core machine that every part shares, this says which part sets the limit.</summary>
public sealed class ProcessCpu
{
    private const double MsPerTick = 10; // USER_HZ is 100 on Linux
    private readonly Dictionary<string, int> processes;
    private readonly Dictionary<string, long> start;
    private readonly long machineStart;
    private readonly long idleStart;

    private ProcessCpu(Dictionary<string, int> processes)
    {
        this.processes = processes;
        start = processes.ToDictionary(p => p.Key, p => Ticks(p.Value));
        (machineStart, idleStart) = Machine();
    }

    /// <param name="processes">name -> process id; "harness" is this process.</param>
    public static ProcessCpu Start(IReadOnlyDictionary<string, int> processes) =>
        new(new Dictionary<string, int>(processes) { ["harness"] = Environment.ProcessId });

    /// <summary>CPU milliseconds per item for each process, and how busy the whole machine was (0..1).</summary>
    public (IReadOnlyDictionary<string, double> MsPerItem, double MachineBusy) Stop(double items)
    {
        var perItem = processes.ToDictionary(p => p.Key, p => (Ticks(p.Value) - start[p.Key]) * MsPerTick / Math.Max(1, items));
        var (total, idle) = Machine();
        var busy = 1 - (idle - idleStart) / (double)Math.Max(1, total - machineStart);
        return (perItem, busy);
    }

    public static string Format((IReadOnlyDictionary<string, double> MsPerItem, double MachineBusy) cpu) =>
        string.Join(", ", cpu.MsPerItem.Select(p => $"{p.Key} {p.Value:N2}")) + $" (sum {cpu.MsPerItem.Values.Sum():N2} ms; machine {cpu.MachineBusy:P0} busy)";

    /// <summary>The broker's Erlang VM: the beam.smp process whose environment names the node (the start script passes
    /// RABBITMQ_NODENAME on to it).</summary>
    public static int BrokerProcess(string nodeName)
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try
            {
                if (!File.ReadAllText(Path.Combine(dir, "cmdline")).Contains("beam.smp")) continue;
                if (File.ReadAllText(Path.Combine(dir, "environ")).Split('\0').Contains($"RABBITMQ_NODENAME={nodeName}")) return pid;
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
        throw new InvalidOperationException($"no beam.smp process for {nodeName}");
    }

    private static long Ticks(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' '); // after "pid (comm) ": field 3 is index 0
            return long.Parse(fields[11]) + long.Parse(fields[12]); // utime, stime (fields 14 and 15)
        }
        catch (IOException)
        {
            return 0; // the process has exited
        }
    }

    private static (long Total, long Idle) Machine()
    {
        var cpu = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(long.Parse).ToArray();
        return (cpu.Sum(), cpu[3] + cpu[4]); // idle + iowait
    }
}
