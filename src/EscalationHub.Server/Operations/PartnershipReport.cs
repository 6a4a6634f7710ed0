using System.Globalization;
using System.Text;
using EscalationHub.Contracts.Messages;
using EscalationHub.Domain.Calendar;
using EscalationHub.Domain.Concerns;
using EscalationHub.Server.Concerns;
using EscalationHub.Server.Store;
using Microsoft.EntityFrameworkCore;

namespace EscalationHub.Server.Operations;

/// <summary>One case in the partnership's report, with nothing that identifies a child or a practitioner: what kind
/// of case, how far it went, between which agencies, how long it took and whether deadlines were kept.</summary>
public sealed record ReportCase(
    string Kind,              // "concern"; the escalation engine adds "disagreement"
    string StageReached,      // e.g. "Decided", "Stage 3"
    string Area,              // concern category, or the area of disagreement
    string AgencyPair,        // "uhl-health → leics-socialcare"
    string Profile,           // the procedure profile; "statutory referral" for concerns
    DateTimeOffset OpenedAt,
    double? HoursToResolve,   // null while unresolved
    bool DeadlineMissed,
    bool FeedbackGiven,       // the raiser was told the outcome
    IReadOnlyList<string>? LearningThemes); // codes of the learning vocabulary (never its free text); null: no learning

/// <summary>One kind of case the report counts. Concerns come first; the escalation engine registers a source for
/// disagreements (services.AddScoped&lt;IReportCaseSource, ...&gt;()) and its rows join every table and the CSV.</summary>
public interface IReportCaseSource
{
    Task<IReadOnlyList<ReportCase>> OpenedBetweenAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken);
}

public sealed class ConcernReportCases(HubDbContext db, ConcernDecisionRule rule, TimeProvider clock) : IReportCaseSource
{
    public async Task<IReadOnlyList<ReportCase>> OpenedBetweenAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var rows = await db.Concerns.AsNoTracking().Where(c => c.RaisedAt >= from && c.RaisedAt < to)
            .Select(c => new { c.RaisedByAgency, c.AddressedToAgency, c.Category, c.HarmLevel, c.Status, c.RaisedAt, c.DecidedAt, c.DecisionDueAt })
            .ToListAsync(cancellationToken);
        return rows.Select(c =>
        {
            // The deadline the concern was given when raised (ConcernDecisionRule), as every other surface shows it.
            var due = rule.DecisionDeadline(c.RaisedAt, c.HarmLevel, c.DecisionDueAt);
            var resolvedAt = c.DecidedAt;
            return new ReportCase("concern", c.Status.ToString(), c.Category.ToString(), $"{c.RaisedByAgency} → {c.AddressedToAgency}",
                "statutory referral", c.RaisedAt, resolvedAt is { } r ? Math.Max(0, (r - c.RaisedAt).TotalHours) : null,
                (resolvedAt ?? now) > due.Instant, c.Status == ConcernStatus.Decided, null);
        }).ToList();
    }
}

public sealed record ReportGroup(string Dimension, string Value, int Cases, int Resolved, double? MedianHoursToResolve,
    int DeadlinesMissed, int FeedbackGiven);

public sealed record ReportResult(DateTimeOffset From, DateTimeOffset To, int Cases, IReadOnlyList<ReportGroup> Groups);

/// <summary>The partnership's report for a period: counts per dimension (kind, stage reached, area, agency pair,
/// profile, learning theme) with time to resolve, deadlines missed and feedback given. Aggregates only.</summary>
public sealed class BuildPartnershipReport(IEnumerable<IReportCaseSource> sources)
{
    public static readonly string[] Dimensions = ["kind", "stage reached", "area", "agency pair", "profile", "learning theme"];

    public async Task<ReportResult> HandleAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        var cases = new List<ReportCase>();
        foreach (var source in sources) cases.AddRange(await source.OpenedBetweenAsync(from, to, cancellationToken));
        var groups = new List<ReportGroup>();
        foreach (var dimension in Dimensions)
        {
            // A case counts once under each value it has (a disagreement's learning may have several themes).
            groups.AddRange(cases.SelectMany(c => Values(c, dimension).Select(v => (Value: v, Case: c)))
                .GroupBy(p => p.Value, p => p.Case).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g =>
            {
                var hours = g.Where(c => c.HoursToResolve is not null).Select(c => c.HoursToResolve!.Value).Order().ToArray();
                return new ReportGroup(dimension, g.Key, g.Count(), hours.Length,
                    hours.Length == 0 ? null : Math.Round(GetFlowStatistics.Percentile(hours, 0.5), 2),
                    g.Count(c => c.DeadlineMissed), g.Count(c => c.FeedbackGiven));
            }));
        }
        return new ReportResult(from, to, cases.Count, groups);
    }

    private static IEnumerable<string> Values(ReportCase c, string dimension) => dimension switch
    {
        "kind" => [c.Kind],
        "stage reached" => [c.StageReached],
        "area" => [c.Area],
        "agency pair" => [c.AgencyPair],
        "profile" => [c.Profile],
        "learning theme" => c.LearningThemes switch
        {
            null => ["(none recorded)"],
            [] => ["(not themed)"], // learning captured before the vocabulary existed
            var themes => themes.Distinct(StringComparer.Ordinal),
        },
        _ => [""],
    };

    public static string ToCsv(ReportResult report)
    {
        var csv = new StringBuilder("period_from,period_to,dimension,value,cases,resolved,median_hours_to_resolve,deadlines_missed,feedback_given\r\n");
        foreach (var g in report.Groups)
            csv.Append(string.Join(',', report.From.ToString("O", CultureInfo.InvariantCulture), report.To.ToString("O", CultureInfo.InvariantCulture),
                Field(g.Dimension), Field(g.Value), g.Cases, g.Resolved,
                g.MedianHoursToResolve?.ToString("0.##", CultureInfo.InvariantCulture) ?? "", g.DeadlinesMissed, g.FeedbackGiven)).Append("\r\n");
        return csv.ToString();
    }

    // RFC 4180 quoting, and a leading apostrophe for values a spreadsheet would run as a formula.
    private static string Field(string value)
    {
        if (value.Length > 0 && "=+-@".Contains(value[0])) value = "'" + value;
        return value.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? "\"" + value.Replace("\"", "\"\"") + "\"" : value;
    }
}
