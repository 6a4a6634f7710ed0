using System.Globalization;

namespace EscalationHub.Server.Operations;

/// <summary>The dashboard's JSON API, on the dashboard port only, behind the same operator token as the gRPC
/// service (x-operator-token header). Every response is built from explicit DTOs of metadata: no entity with a
/// name, NHS number or free text is ever serialised here.</summary>
public static class DashboardEndpoints
{
    public sealed record FlowDto(string MessageId, string MessageType, string From, string To, string? CaseReference,
        DateTimeOffset? SentAt, DateTimeOffset? DeliveredAt, DateTimeOffset? AcknowledgedAt, string Status, string? Error,
        DateTimeOffset RecordedAt, DateTimeOffset UpdatedAt);

    public sealed record DeadLetterDto(Guid Id, Guid MessageId, string MessageType, string Queue, string ErrorQueue, string Reason,
        string ExceptionType, DateTimeOffset FailedAt, DateTimeOffset? RedrivenAt, int Redrives, string? CaseReference);

    public sealed record RedriveRequestDto(List<Guid>? Ids, bool All, string? Reason);

    public static FlowDto ToDto(FlowEvent f) => new(f.MessageId.ToString(), f.MessageType, f.FromAgency, f.ToAgency, f.CaseReference,
        f.SentAt, f.DeliveredAt, f.AcknowledgedAt, f.Status.ToString(), f.Error, f.RecordedAt, f.UpdatedAt);

    public static DeadLetterDto ToDto(DeadLetter d) => new(d.Id, d.MessageId, d.MessageType, d.Queue, d.ErrorQueue, d.Reason,
        d.ExceptionType, d.FailedAt, d.RedrivenAt, d.Redrives, d.CaseReference);

    public static void MapDashboardApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").RequireListener(HubListeners.Dashboard).AddEndpointFilter(async (context, next) =>
        {
            var token = context.HttpContext.RequestServices.GetRequiredService<OperatorToken>();
            var refused = token.Check(context.HttpContext.Request.Headers[OperatorToken.Header].FirstOrDefault());
            return refused is { } status
                ? Results.Problem(status.Detail, statusCode: status.StatusCode == global::Grpc.Core.StatusCode.Unauthenticated ? 401 : 403)
                : await next(context);
        });

        api.MapGet("/flow", async Task<IResult> (FlowQueries flow, string? agency, string? type, string? status, int? limit, CancellationToken ct) =>
        {
            if (!TryStatus(status, out var parsed))
                return Results.ValidationProblem(new Dictionary<string, string[]> { ["status"] = [$"unknown status '{status}': one of {string.Join(", ", Enum.GetNames<FlowStatus>())}"] });
            if (limit is < 1 or > 1000)
                return Results.ValidationProblem(new Dictionary<string, string[]> { ["limit"] = ["must be between 1 and 1000"] });
            var rows = await flow.ListAsync(new FlowFilter(agency, type, parsed), limit ?? 100, ct);
            return Results.Ok(rows.Select(ToDto));
        });

        api.MapGet("/stats", async Task<IResult> (GetFlowStatistics statistics, int? minutes, CancellationToken ct) =>
        {
            if (minutes is < 1 or > 31 * 24 * 60)
                return Results.ValidationProblem(new Dictionary<string, string[]> { ["minutes"] = ["must be between 1 and 44640"] });
            return Results.Ok(await statistics.HandleAsync(TimeSpan.FromMinutes(minutes ?? 60), ct));
        });

        api.MapGet("/dead-letters", async Task<IResult> (Store.HubDbContext db, bool? includeRedriven, CancellationToken ct) =>
            Results.Ok((await DeadLetterQueries.ListAsync(db, includeRedriven ?? false, ct)).Select(ToDto)));

        api.MapPost("/dead-letters/redrive", async Task<IResult> (RedriveDeadLetters redrive, RedriveRequestDto request, CancellationToken ct) =>
        {
            if (!request.All && (request.Ids is null || request.Ids.Count == 0))
                return Results.ValidationProblem(new Dictionary<string, string[]> { ["ids"] = ["name at least one dead letter, or set all"] });
            if (request.Reason is { Length: > 200 })
                return Results.ValidationProblem(new Dictionary<string, string[]> { ["reason"] = ["must be at most 200 characters"] });
            if (request.Reason is { Length: > 0 } && EscalationHub.Domain.Text.TextRules.FreeTextProblem(request.Reason) is { } problem)
                return Results.ValidationProblem(new Dictionary<string, string[]> { ["reason"] = [problem] });
            try
            {
                return Results.Ok(await redrive.HandleAsync(request.Ids ?? [], request.All, "dashboard", request.Reason, ct));
            }
            catch (UnknownDeadLetterException ex)
            {
                return Results.Problem(ex.Message, statusCode: 404);
            }
        });

        api.MapGet("/adapters", async Task<IResult> (ListAdapters adapters, CancellationToken ct) => Results.Ok(await adapters.HandleAsync(null, ct)));

        api.MapGet("/overdue", async Task<IResult> (ListOverdueStages overdue, int? withinMinutes, CancellationToken ct) =>
        {
            if (withinMinutes is < 0 or > 31 * 24 * 60)
                return Results.ValidationProblem(new Dictionary<string, string[]> { ["withinMinutes"] = ["must be between 0 and 44640"] });
            return Results.Ok(await overdue.HandleAsync(TimeSpan.FromMinutes(withinMinutes ?? 0), ct));
        });

        api.MapGet("/queues", async Task<IResult> (ReadQueueDepths depths, CancellationToken ct) => Results.Ok(await depths.HandleAsync(ct)));

        api.MapGet("/report", async Task<IResult> (BuildPartnershipReport report, TimeProvider clock, string? from, string? to, CancellationToken ct) =>
            TryPeriod(from, to, clock, out var start, out var end, out var problem)
                ? Results.Ok(await report.HandleAsync(start, end, ct))
                : problem!);

        api.MapGet("/report.csv", async Task<IResult> (BuildPartnershipReport report, TimeProvider clock, string? from, string? to, CancellationToken ct) =>
            TryPeriod(from, to, clock, out var start, out var end, out var problem)
                ? Results.File(System.Text.Encoding.UTF8.GetBytes(BuildPartnershipReport.ToCsv(await report.HandleAsync(start, end, ct))),
                    "text/csv; charset=utf-8", $"partnership-report-{start:yyyyMMdd}-{end:yyyyMMdd}.csv")
                : problem!);
    }

    private static bool TryStatus(string? text, out FlowStatus? status)
    {
        status = null;
        if (string.IsNullOrEmpty(text)) return true;
        if (!Enum.TryParse<FlowStatus>(text, ignoreCase: true, out var parsed) || !Enum.IsDefined(parsed)) return false;
        status = parsed;
        return true;
    }

    /// <summary>A period of whole days, "yyyy-MM-dd" to "yyyy-MM-dd" inclusive (UTC); default the last 30 days.</summary>
    private static bool TryPeriod(string? from, string? to, TimeProvider clock, out DateTimeOffset start, out DateTimeOffset end, out IResult? problem)
    {
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        var errors = new Dictionary<string, string[]>();
        var first = Day(from, today.AddDays(-29), "from", errors);
        var last = Day(to, today, "to", errors);
        if (errors.Count == 0 && last < first) errors["to"] = ["must not be before from"];
        if (errors.Count == 0 && last.DayNumber - first.DayNumber > 366 * 5) errors["to"] = ["the period may be at most five years"];
        start = new DateTimeOffset(first.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        end = new DateTimeOffset(last.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        problem = errors.Count > 0 ? Results.ValidationProblem(errors) : null;
        return problem is null;
    }

    private static DateOnly Day(string? text, DateOnly fallback, string field, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrEmpty(text)) return fallback;
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day)) return day;
        errors[field] = [$"'{text}' is not a date (yyyy-MM-dd)"];
        return fallback;
    }
}
