namespace EscalationHub.Benchmarks;

public sealed record Scale(int GroupCommitAppends, int Producers, int SingleAppends, long ProofLogSize, int Proofs, int Verifications,
    long HubLedgerEntries, int[] OpenDisagreements, int DueDisagreements, TimeSpan Measure, int BrokerMessages)
{
    public static readonly Scale Full = new(100_000, 256, 1_000, 1_000_000, 20_000, 500_000,
        1_000_000, [1_000, 10_000, 100_000, 1_000_000], 200, TimeSpan.FromSeconds(30), 50_000);
    public static readonly Scale Smoke = new(2_000, 64, 50, 20_000, 500, 5_000,
        20_000, [1_000, 10_000], 50, TimeSpan.FromSeconds(3), 2_000);
}

/// <summary>Rows of figures, printed as one table at the end (targets beside them, and whether each was met).</summary>
public sealed class Report
{
    private readonly List<(string Measure, string Value, string Target, bool? Met)> rows = [];

    public void Add(string measure, string value, string target = "", bool? met = null) => rows.Add((measure, value, target, met));

    /// <summary>A heading row that groups the figures below it.</summary>
    public void Section(string title) => rows.Add(($"[{title}]", "", "", null));

    public void Print(TextWriter? writer = null)
    {
        writer ??= Console.Out;
        var w1 = Math.Max(7, rows.Max(r => r.Measure.Length));
        var w2 = Math.Max(5, rows.Max(r => r.Value.Length));
        var w3 = Math.Max(6, rows.Max(r => r.Target.Length));
        writer.WriteLine();
        writer.WriteLine($"{"measure".PadRight(w1)}  {"value".PadLeft(w2)}  {"target".PadRight(w3)}  met");
        writer.WriteLine($"{new string('-', w1)}  {new string('-', w2)}  {new string('-', w3)}  ---");
        foreach (var (measure, value, target, met) in rows)
            writer.WriteLine($"{measure.PadRight(w1)}  {value.PadLeft(w2)}  {target.PadRight(w3)}  {met switch { true => "yes", false => "NO", _ => "" }}".TrimEnd());
    }

    public static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];

    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
}
