using EscalationHub.Server.Grpc;
using EscalationHub.Server.Store;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.EntityFrameworkCore;
using V1 = EscalationHub.Contracts.V1;

namespace EscalationHub.Server.Operations;

/// <summary>The operators' gRPC service: thin shells over the same use cases as the dashboard's JSON endpoints.
/// Operators only (an operator certificate): see Security/CallerInterceptor.</summary>
[BindServiceMethod(typeof(Grpc.OperationsBinding), nameof(Grpc.OperationsBinding.BindService))]
public sealed class OperationsService(
    FlowQueries flow,
    FlowSignal signal,
    GetFlowStatistics statistics,
    HubDbContext db,
    RedriveDeadLetters redrive,
    ListAdapters adapters,
    ListOverdueStages overdue,
    TimeProvider clock) : V1.Operations.OperationsBase
{
    public override async Task WatchFlow(V1.WatchFlowRequest request, IServerStreamWriter<V1.FlowEvent> responseStream, ServerCallContext context)
    {
        var filter = ToFilter(request.Filter, "filter");
        if (request.Backlog is < 0 or > 500) throw FieldErrors.Single(StatusCode.InvalidArgument, "backlog", "must be between 0 and 500");
        var cancellationToken = context.CancellationToken;
        var now = clock.GetUtcNow();
        if (request.Backlog > 0)
            foreach (var row in (await flow.ListAsync(filter, request.Backlog, cancellationToken)).AsEnumerable().Reverse())
                await responseStream.WriteAsync(OperationsMapping.ToProto(row), cancellationToken);

        var follower = new FlowFollower(filter, now);
        await follower.NextAsync(flow, cancellationToken); // what the backlog already covered
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await signal.Changed.WaitAsync(TimeSpan.FromSeconds(1), cancellationToken);
                foreach (var row in await follower.NextAsync(flow, cancellationToken))
                    await responseStream.WriteAsync(OperationsMapping.ToProto(row), cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    public override async Task<V1.ListFlowResponse> ListFlow(V1.ListFlowRequest request, ServerCallContext context)
    {
        var filter = ToFilter(request.Filter, "filter");
        if (request.Limit is < 0 or > 1000) throw FieldErrors.Single(StatusCode.InvalidArgument, "limit", "must be between 1 and 1000");
        var rows = await flow.ListAsync(filter, request.Limit == 0 ? 100 : request.Limit, context.CancellationToken);
        return new V1.ListFlowResponse { Events = { rows.Select(OperationsMapping.ToProto) } };
    }

    public override async Task<V1.FlowStatistics> GetFlowStatistics(V1.GetFlowStatisticsRequest request, ServerCallContext context)
    {
        var window = request.Window?.ToTimeSpan() ?? TimeSpan.FromHours(1);
        if (window <= TimeSpan.Zero || window > Operations.GetFlowStatistics.MaxWindow)
            throw FieldErrors.Single(StatusCode.InvalidArgument, "window", "must be more than 0 and at most 31 days");
        var result = await statistics.HandleAsync(window, context.CancellationToken);
        return new V1.FlowStatistics
        {
            From = Timestamp.FromDateTimeOffset(result.From),
            To = Timestamp.FromDateTimeOffset(result.To),
            Rows = { result.Rows.Select(OperationsMapping.ToProto) },
        };
    }

    public override async Task<V1.ListDeadLettersResponse> ListDeadLetters(V1.ListDeadLettersRequest request, ServerCallContext context)
    {
        var letters = await DeadLetterQueries.ListAsync(db, request.IncludeRedriven, context.CancellationToken);
        return new V1.ListDeadLettersResponse { DeadLetters = { letters.Select(OperationsMapping.ToProto) } };
    }

    /// <summary>Most dead letters one Redrive may name (more: redrive with all, or in batches).</summary>
    public const int MaxRedriveIds = 1000;

    public override async Task<V1.RedriveResponse> Redrive(V1.RedriveRequest request, ServerCallContext context)
    {
        var errors = new FieldErrors();
        var ids = new List<Guid>();
        if (errors.WithinCount("ids", request.Ids, MaxRedriveIds))
            for (var i = 0; i < request.Ids.Count; i++)
            {
                if (Guid.TryParse(request.Ids[i], out var id)) ids.Add(id);
                else errors.Add($"ids[{i}]", $"'{request.Ids[i]}' is not a dead letter id");
            }
        if (!request.All && request.Ids.Count == 0) errors.Add("ids", "name at least one dead letter, or set all");
        errors.OptionalText("reason", request.Reason, 200);
        errors.ThrowIfAny();
        try
        {
            var outcomes = await redrive.HandleAsync(ids, request.All, "grpc", request.Reason == "" ? null : request.Reason, context.CancellationToken);
            return new V1.RedriveResponse
            {
                Results = { outcomes.Select(o => new V1.RedriveResult { Id = o.Id.ToString(), Sent = o.Sent, Detail = o.Detail }) },
            };
        }
        catch (UnknownDeadLetterException ex)
        {
            throw new RpcException(new Status(StatusCode.NotFound, $"ids: {ex.Message}"));
        }
    }

    public override async Task<V1.ListAdaptersResponse> ListAdapters(V1.ListAdaptersRequest request, ServerCallContext context)
    {
        var views = await adapters.HandleAsync(request.AgencyCode, context.CancellationToken);
        if (request.AgencyCode != "" && views.Count == 0)
            throw new RpcException(new Status(StatusCode.NotFound, $"agency_code: no heartbeat has ever come from '{request.AgencyCode}'"));
        return new V1.ListAdaptersResponse { Adapters = { views.Select(OperationsMapping.ToProto) } };
    }

    public override async Task<V1.ListOverdueStagesResponse> ListOverdueStages(V1.ListOverdueStagesRequest request, ServerCallContext context)
    {
        var within = request.DueWithin?.ToTimeSpan() ?? TimeSpan.Zero;
        if (within < TimeSpan.Zero || within > TimeSpan.FromDays(31))
            throw FieldErrors.Single(StatusCode.InvalidArgument, "due_within", "must be between 0 and 31 days");
        var stages = await overdue.HandleAsync(within, context.CancellationToken);
        return new V1.ListOverdueStagesResponse { Stages = { stages.Select(OperationsMapping.ToProto) } };
    }

    private static FlowFilter ToFilter(V1.FlowFilter? filter, string field)
    {
        if (filter is null) return new FlowFilter();
        var errors = new FieldErrors();
        if (filter.Agency.Length > 100) errors.Add($"{field}.agency", "must be at most 100 characters");
        if (filter.MessageType.Length > 100) errors.Add($"{field}.message_type", "must be at most 100 characters");
        if (!System.Enum.IsDefined(filter.Status)) errors.Add($"{field}.status", $"unknown status {(int)filter.Status}");
        errors.ThrowIfAny();
        return new FlowFilter(
            filter.Agency == "" ? null : filter.Agency,
            filter.MessageType == "" ? null : filter.MessageType,
            filter.Status == V1.FlowStatus.Unspecified ? null : (FlowStatus)(int)filter.Status,
            filter.Since?.ToDateTimeOffset(),
            filter.Until?.ToDateTimeOffset());
    }
}

public static class DeadLetterQueries
{
    public static Task<List<DeadLetter>> ListAsync(HubDbContext db, bool includeRedriven, CancellationToken cancellationToken) =>
        db.DeadLetters.AsNoTracking().Where(d => includeRedriven || d.RedrivenAt == null)
            .OrderByDescending(d => d.FailedAt).Take(1000).ToListAsync(cancellationToken);
}

/// <summary>To the wire. Only metadata fields are mapped: there is no path from a name or NHS number to here.</summary>
public static class OperationsMapping
{
    private static Timestamp? Ts(DateTimeOffset? at) => at is { } v ? Timestamp.FromDateTimeOffset(v) : null;

    public static V1.FlowEvent ToProto(FlowEvent f) => new()
    {
        MessageId = f.MessageId.ToString(),
        MessageType = f.MessageType,
        FromAgency = f.FromAgency,
        ToAgency = f.ToAgency,
        CaseReference = f.CaseReference ?? "",
        SentAt = Ts(f.SentAt),
        DeliveredAt = Ts(f.DeliveredAt),
        AcknowledgedAt = Ts(f.AcknowledgedAt),
        Status = (V1.FlowStatus)(int)f.Status,
        Error = f.Error ?? "",
        RecordedAt = Ts(f.RecordedAt),
    };

    public static V1.FlowStatisticsRow ToProto(FlowStatisticsRow r) => new()
    {
        Agency = r.Agency, Direction = r.Direction, MessageType = r.MessageType, Messages = r.Messages, PerMinute = r.PerMinute,
        DeadLettered = r.DeadLettered, LatencyP50Ms = r.LatencyP50Ms, LatencyP95Ms = r.LatencyP95Ms, LatencyP99Ms = r.LatencyP99Ms,
    };

    public static V1.DeadLetter ToProto(DeadLetter d) => new()
    {
        Id = d.Id.ToString(), MessageId = d.MessageId.ToString(), MessageType = d.MessageType, Queue = d.Queue, ErrorQueue = d.ErrorQueue,
        Reason = d.Reason, ExceptionType = d.ExceptionType, FailedAt = Ts(d.FailedAt), RedrivenAt = Ts(d.RedrivenAt), Redrives = d.Redrives,
        CaseReference = d.CaseReference ?? "",
    };

    public static V1.Adapter ToProto(AdapterView a) => new()
    {
        AgencyCode = a.AgencyCode, Version = a.Version, LastHeartbeat = Ts(a.LastHeartbeatAt), Interval = Duration.FromTimeSpan(a.Interval),
        Silent = a.Silent, SilentFor = Duration.FromTimeSpan(a.SilentFor), LastAcknowledgement = Ts(a.LastAcknowledgementAt),
    };

    public static V1.OverdueStage ToProto(OverdueStage s) => new()
    {
        Kind = s.Stage.Kind, CaseReference = s.Stage.CaseReference, Stage = s.Stage.Stage, WaitingOnAgency = s.Stage.WaitingOnAgency,
        OtherAgency = s.Stage.OtherAgency, DueAt = Ts(s.Stage.DueAt), Rule = s.Stage.Rule, Overdue = s.Overdue,
        OverdueBy = Duration.FromTimeSpan(s.OverdueBy), HarmLevel = s.Stage.HarmLevel,
    };
}
