using System.Text.Json;
using EscalationHub.Domain.Disagreements;
using EscalationHub.Server.Store;
using Microsoft.EntityFrameworkCore;

namespace EscalationHub.Server.Operations;

/// <summary>Disagreements opened in the period, for the partnership's report: stage reached, area, agency pair, profile,
/// time to resolve, deadlines missed (a stage escalated by the clock), feedback given and the themes of the learning.
/// Read from the stored events; summaries, records and the text of feedback and learning are never read out.</summary>
public sealed class DisagreementReportCases(HubDbContext db) : IReportCaseSource
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly string[] Wanted = ["opened", "escalated", "resolved", "feedback-given", "learning-captured"];

    public async Task<IReadOnlyList<ReportCase>> OpenedBetweenAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        var rows = await db.Disagreements.AsNoTracking().Where(d => d.OpenedAt >= from && d.OpenedAt < to)
            .Select(d => new { d.Id, d.ProfileId, d.RaisedByAgency, d.OpenedAt, d.Status, d.CurrentStage })
            .ToListAsync(cancellationToken);
        if (rows.Count == 0) return [];
        var ids = rows.Select(r => r.Id).ToList();
        var events = (await db.DisagreementEvents.AsNoTracking().Where(e => ids.Contains(e.DisagreementId) && Wanted.Contains(e.Type))
                .Select(e => new { e.DisagreementId, e.Json }).ToListAsync(cancellationToken))
            .Select(e => JsonSerializer.Deserialize<DisagreementEvent>(e.Json, Json)!)
            .ToLookup(e => e.DisagreementId);

        return rows.Select(d =>
        {
            var history = events[d.Id].ToList();
            var opened = history.OfType<DisagreementOpened>().FirstOrDefault();
            var resolved = history.OfType<Resolved>().FirstOrDefault();
            var learning = history.OfType<LearningCaptured>().ToList();
            IEnumerable<string> others = opened?.Responders.Select(r => r.AgencyCode).Order(StringComparer.Ordinal) ?? Enumerable.Empty<string>();
            return new ReportCase("disagreement", $"Stage {d.CurrentStage} ({d.Status})", opened?.Area.ToString() ?? "unknown",
                $"{d.RaisedByAgency} → {string.Join(" + ", others)}", d.ProfileId, d.OpenedAt,
                resolved is null ? null : Math.Max(0, (resolved.At - d.OpenedAt).TotalHours),
                history.OfType<Escalated>().Any(e => e.Auto), history.OfType<FeedbackGiven>().Any(),
                learning.Count == 0 ? null : learning.SelectMany(l => l.Themes ?? []).Distinct().Order().Select(t => t.Code()).ToList());
        }).ToList();
    }
}
