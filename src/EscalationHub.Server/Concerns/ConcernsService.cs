using EscalationHub.Contracts.V1;
using V1 = EscalationHub.Contracts.V1;
using EscalationHub.Server.Agencies;
using EscalationHub.Server.Grpc;
using EscalationHub.Server.Ledger;
using EscalationHub.Server.Messaging;
using EscalationHub.Server.Store;
using Grpc.Core;
using Microsoft.EntityFrameworkCore;
using M = EscalationHub.Contracts.Messages;

namespace EscalationHub.Server.Concerns;

/// <summary>The gRPC side of the concern flow: validates at the edge, then calls the same handlers as the bus.</summary>
[BindServiceMethod(typeof(Grpc.ConcernsBinding), nameof(Grpc.ConcernsBinding.BindService))]
public sealed class ConcernsService(
    RaiseConcernHandler raise,
    HubUnitOfWork unitOfWork,
    HubDbContext db,
    AgencyDirectory agencies,
    ConcernWatchers watchers,
    WatchSettings watchSettings,
    ChildFileReadAudit audit,
    TimeProvider clock) : V1.Concerns.ConcernsBase
{
    public override async Task<V1.Concern> RaiseConcern(RaiseConcernRequest request, ServerCallContext context)
    {
        var command = Validate(request);
        try
        {
            var raised = await unitOfWork.ExecuteAsync(ct => raise.HandleAsync(command, ct), context.CancellationToken);
            return ConcernMapping.ToProto(raised.Concern, raised.ChildFile);
        }
        catch (IdempotencyKeyReusedException ex)
        {
            throw FieldErrors.Single(StatusCode.AlreadyExists, "idempotency_key", ex.Message);
        }
        catch (ChildIdentityMismatchException ex)
        {
            throw FieldErrors.Single(StatusCode.FailedPrecondition, ChildIdentityMismatchException.Field, ex.Message);
        }
    }

    public override async Task<V1.Concern> GetConcern(GetConcernRequest request, ServerCallContext context)
    {
        const string call = "Concerns/GetConcern";
        var reader = ChildFileReader.From(request.AgencyCode, request.Purpose, request.ReaderRole);
        var concern = await LoadForPartyAsync(call, request.ConcernId, request.AgencyCode, context.CancellationToken);
        var file = await db.ChildFiles.AsNoTracking().SingleAsync(f => f.Id == concern.ChildFileId, context.CancellationToken);
        await audit.RecordAsync(reader, call, [(concern.ChildFileId, concern.Id.ToString())], context.CancellationToken);
        return ConcernMapping.ToProto(concern, file);
    }

    public override async Task WatchConcern(WatchConcernRequest request, IServerStreamWriter<V1.ConcernStatusChange> responseStream, ServerCallContext context)
    {
        const string call = "Concerns/WatchConcern";
        var reader = ChildFileReader.From(request.AgencyCode, request.Purpose, request.ReaderRole);
        var concern = await LoadForPartyAsync(call, request.ConcernId, request.AgencyCode, context.CancellationToken);
        var id = concern.Id;
        var cancellationToken = context.CancellationToken;
        await audit.RecordAsync(reader, call, [(concern.ChildFileId, id.ToString())], cancellationToken);

        using var watch = watchers.Watch(id);
        var sent = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            var changed = watch.Signal.Next; // before the read: a change committed during it still wakes this watch
            Operations.HubTelemetry.WatchStoreReads.Add(1, new KeyValuePair<string, object?>("watch", "concern"));
            var changes = await db.ConcernStatusChanges.AsNoTracking()
                .Where(c => c.ConcernId == id && c.Sequence > sent).OrderBy(c => c.Sequence).ToListAsync(cancellationToken);
            foreach (var change in changes)
            {
                await responseStream.WriteAsync(ConcernMapping.ToProto(change, concern.DecisionDueAt), cancellationToken);
                sent = change.Sequence;
                if (change.Status == M.ConcernStatus.Decided) return;
            }
            // Woken by the commit of a change to this concern; the slow poll only catches other hub replicas' changes.
            await Signal.WaitAsync(changed, watchSettings.FallbackPoll, cancellationToken);
        }
    }

    /// <summary>Need to know: only the raising and the addressed agency read a concern; anyone else is told it does not
    /// exist (NOT_FOUND, as for an unknown id). A refusal is reported to operators.</summary>
    private async Task<Concern> LoadForPartyAsync(string call, string concernId, string agencyCode, CancellationToken cancellationToken) =>
        await audit.AuthorizeAsync(call, agencyCode, () => LoadForPartyAsync(concernId, agencyCode, cancellationToken));

    private async Task<Concern> LoadForPartyAsync(string concernId, string agencyCode, CancellationToken cancellationToken)
    {
        var id = ParseConcernId(concernId);
        if (string.IsNullOrWhiteSpace(agencyCode) || agencies.Find(agencyCode) is null)
            throw FieldErrors.Single(StatusCode.InvalidArgument, "agency_code", $"'{agencyCode}' is not a registered agency");
        // An unknown id and a concern of other agencies get the same answer: it must not tell whether the id exists.
        var concern = await db.Concerns.AsNoTracking().SingleOrDefaultAsync(c => c.Id == id, cancellationToken);
        if (concern is null || (concern.RaisedByAgency != agencyCode && concern.AddressedToAgency != agencyCode))
            throw new RpcException(new Status(StatusCode.NotFound, $"concern_id: no concern '{concernId}' that {agencyCode} is party to"));
        return concern;
    }

    private static Guid ParseConcernId(string text) =>
        Guid.TryParse(text, out var id) ? id : throw FieldErrors.Single(StatusCode.InvalidArgument, "concern_id", "must be a concern id returned by RaiseConcern");

    /// <summary>Maps the wire form as it is (absent parts stay absent, an impossible date becomes no date) and
    /// applies the rules every RaiseConcern must meet.</summary>
    private M.RaiseConcern Validate(RaiseConcernRequest r)
    {
        var dob = r.Child?.DateOfBirth;
        var dateOfBirth = dob is not null && dob.Year is >= 1 and <= 9999 && dob.Month is >= 1 and <= 12 && dob.Day >= 1
            && dob.Day <= DateTime.DaysInMonth(dob.Year, dob.Month)
            ? new DateOnly(dob.Year, dob.Month, dob.Day)
            : default;
        var command = new M.RaiseConcern(
            r.IdempotencyKey,
            r.Child is null ? null! : new M.ChildDetails(r.Child.NhsNumber, r.Child.GivenName, r.Child.FamilyName, dateOfBirth),
            r.RaisedBy is null ? null! : new M.ActorRef(r.RaisedBy.AgencyCode, r.RaisedBy.Role),
            r.AddressedToAgencyCode,
            (M.ConcernCategory)(int)r.Category,
            (M.HarmLevel)(int)r.HarmLevel,
            r.Details);
        var errors = new FieldErrors();
        var validated = RaiseConcernValidation.Validate(command, agencies, clock.GetUtcNow(), errors);
        errors.ThrowIfAny();
        return validated;
    }
}
