namespace EscalationHub.Benchmarks;

public sealed record Scale(int GroupCommitAppends, int Producers, int SingleAppends, long ProofLogSize, int Proofs, int Verifications)
{
    public static readonly Scale Full = new(100_000, 256, 1_000, 1_000_000, 20_000, 500_000);
    public static readonly Scale Smoke = new(2_000, 64, 50, 20_000, 500, 5_000);
}

/// <summary>Rows of figures, printed as one table at the end (targets beside them).</summary>
public sealed class Report
{
    private readonly List<(string Measure, string Value, string Target)> rows = [];

    public void Add(string measure, string value, string target = "") => rows.Add((measure, value, target));

    public void Print()
    {
        var w1 = Math.Max(7, rows.Max(r => r.Measure.Length));
        var w2 = Math.Max(5, rows.Max(r => r.Value.Length));
        Console.WriteLine();
        Console.WriteLine($"{"measure".PadRight(w1)}  {"value".PadLeft(w2)}  target");
        Console.WriteLine($"{new string('-', w1)}  {new string('-', w2)}  ------");
        foreach (var (measure, value, target) in rows) Console.WriteLine($"{measure.PadRight(w1)}  {value.PadLeft(w2)}  {target}");
    }

    public static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];
}
