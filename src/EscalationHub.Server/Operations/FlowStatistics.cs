using EscalationHub.Server.Store;
using Microsoft.EntityFrameworkCore;

namespace EscalationHub.Server.Operations;

public sealed record FlowStatisticsRow(string Agency, string Direction, string MessageType, long Messages, double PerMinute,
    long DeadLettered, double LatencyP50Ms, double LatencyP95Ms, double LatencyP99Ms);

public sealed record FlowStatisticsResult(DateTimeOffset From, DateTimeOffset To, IReadOnlyList<FlowStatisticsRow> Rows);

/// <summary>Throughput and latency (sent to acknowledged) per agency, direction and message type over a window
/// ending now. Reads only the window's rows (indexed by RecordedAt).</summary>
public sealed class GetFlowStatistics(HubDbContext db, TimeProvider clock)
{
    public static readonly TimeSpan MaxWindow = TimeSpan.FromDays(31);

    public async Task<FlowStatisticsResult> HandleAsync(TimeSpan window, CancellationToken cancellationToken)
    {
        var to = clock.GetUtcNow();
        var from = to - window;
        var rows = await db.FlowEvents.AsNoTracking().Where(f => f.RecordedAt >= from)
            .Select(f => new { f.FromAgency, f.ToAgency, f.MessageType, f.Status, f.SentAt, f.AcknowledgedAt })
            .ToListAsync(cancellationToken);
        var minutes = Math.Max(window.TotalMinutes, 1.0 / 60);
        var result = rows
            .GroupBy(r => r.FromAgency == FlowEvent.Hub
                ? (Agency: r.ToAgency, Direction: "to-agency", r.MessageType)
                : (Agency: r.FromAgency, Direction: "to-hub", r.MessageType))
            .Select(g =>
            {
                var latencies = g.Where(r => r.SentAt is not null && r.AcknowledgedAt is not null)
                    .Select(r => Math.Max(0, (r.AcknowledgedAt!.Value - r.SentAt!.Value).TotalMilliseconds)).Order().ToArray();
                return new FlowStatisticsRow(g.Key.Agency, g.Key.Direction, g.Key.MessageType, g.Count(), g.Count() / minutes,
                    g.Count(r => r.Status == FlowStatus.DeadLettered),
                    Percentile(latencies, 0.50), Percentile(latencies, 0.95), Percentile(latencies, 0.99));
            })
            .OrderBy(r => r.Agency, StringComparer.Ordinal).ThenBy(r => r.Direction, StringComparer.Ordinal)
            .ThenBy(r => r.MessageType, StringComparer.Ordinal)
            .ToList();
        return new FlowStatisticsResult(from, to, result);
    }

    /// <summary>Nearest-rank percentile of sorted values; 0 for none.</summary>
    public static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
}
