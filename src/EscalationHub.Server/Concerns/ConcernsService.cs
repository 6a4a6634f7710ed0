using EscalationHub.Contracts.V1;
using V1 = EscalationHub.Contracts.V1;
using EscalationHub.Domain.Identifiers;
using EscalationHub.Server.Agencies;
using EscalationHub.Server.Grpc;
using EscalationHub.Server.Store;
using Grpc.Core;
using Microsoft.EntityFrameworkCore;
using M = EscalationHub.Contracts.Messages;

namespace EscalationHub.Server.Concerns;

/// <summary>The gRPC side of the concern flow: validates at the edge, then calls the same handlers as the bus.</summary>
public sealed class ConcernsService(
    RaiseConcernHandler raise,
    HubDbContext db,
    AgencyDirectory agencies,
    ConcernWatchers watchers,
    TimeProvider clock) : V1.Concerns.ConcernsBase
{
    public const int MaxDetailsLength = 8000;

    public override async Task<V1.Concern> RaiseConcern(RaiseConcernRequest request, ServerCallContext context)
    {
        var command = Validate(request);
        try
        {
            var raised = await raise.HandleAsync(command, context.CancellationToken);
            return ConcernMapping.ToProto(raised.Concern, raised.ChildFile);
        }
        catch (IdempotencyKeyReusedException ex)
        {
            throw FieldErrors.Single(StatusCode.AlreadyExists, "idempotency_key", ex.Message);
        }
    }

    public override async Task<V1.Concern> GetConcern(GetConcernRequest request, ServerCallContext context)
    {
        var id = ParseConcernId(request.ConcernId);
        var concern = await db.Concerns.AsNoTracking().SingleOrDefaultAsync(c => c.Id == id, context.CancellationToken)
            ?? throw new RpcException(new Status(StatusCode.NotFound, $"concern_id: no concern {request.ConcernId}"));
        var file = await db.ChildFiles.AsNoTracking().SingleAsync(f => f.Id == concern.ChildFileId, context.CancellationToken);
        return ConcernMapping.ToProto(concern, file);
    }

    public override async Task WatchConcern(WatchConcernRequest request, IServerStreamWriter<V1.ConcernStatusChange> responseStream, ServerCallContext context)
    {
        var id = ParseConcernId(request.ConcernId);
        var cancellationToken = context.CancellationToken;
        if (!await db.Concerns.AnyAsync(c => c.Id == id, cancellationToken))
            throw new RpcException(new Status(StatusCode.NotFound, $"concern_id: no concern {request.ConcernId}"));

        var signal = watchers.For(id);
        var sent = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            var changes = await db.ConcernStatusChanges.AsNoTracking()
                .Where(c => c.ConcernId == id && c.Sequence > sent).OrderBy(c => c.Sequence).ToListAsync(cancellationToken);
            foreach (var change in changes)
            {
                await responseStream.WriteAsync(ConcernMapping.ToProto(change), cancellationToken);
                sent = change.Sequence;
                if (change.Status == M.ConcernStatus.Decided) return;
            }
            await signal.WaitAsync(TimeSpan.FromSeconds(1), cancellationToken);
        }
    }

    private static Guid ParseConcernId(string text) =>
        Guid.TryParse(text, out var id) ? id : throw FieldErrors.Single(StatusCode.InvalidArgument, "concern_id", "must be a concern id returned by RaiseConcern");

    private RaiseConcernCommand Validate(RaiseConcernRequest r)
    {
        var errors = new FieldErrors();
        errors.Required("idempotency_key", r.IdempotencyKey, 100);

        string? nhsNumber = null;
        var dateOfBirth = default(DateOnly);
        if (r.Child is null) errors.Add("child", "is required");
        else
        {
            if (r.Child.NhsNumber != "")
            {
                if (NhsNumber.TryParse(r.Child.NhsNumber, out var parsed, out var why)) nhsNumber = parsed.Value;
                else errors.Add("child.nhs_number", why);
            }
            errors.Required("child.given_name", r.Child.GivenName, 100);
            errors.Required("child.family_name", r.Child.FamilyName, 100);
            var dob = r.Child.DateOfBirth;
            if (dob is null) errors.Add("child.date_of_birth", "is required");
            else if (dob.Year < 1900 || dob.Month is < 1 or > 12 || dob.Day < 1 || dob.Year > 9999 || dob.Day > DateTime.DaysInMonth(dob.Year, dob.Month))
                errors.Add("child.date_of_birth", "is not a valid date");
            else
            {
                dateOfBirth = new DateOnly(dob.Year, dob.Month, dob.Day);
                if (dateOfBirth > DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime.AddDays(1)))
                    errors.Add("child.date_of_birth", "is in the future");
            }
        }

        if (r.RaisedBy is null) errors.Add("raised_by", "is required");
        else
        {
            errors.Required("raised_by.agency_code", r.RaisedBy.AgencyCode, 64);
            if (r.RaisedBy.AgencyCode != "" && agencies.Find(r.RaisedBy.AgencyCode) is null)
                errors.Add("raised_by.agency_code", $"'{r.RaisedBy.AgencyCode}' is not a registered agency");
            errors.Required("raised_by.role", r.RaisedBy.Role, 100);
        }

        errors.Required("addressed_to_agency_code", r.AddressedToAgencyCode, 64);
        if (r.AddressedToAgencyCode != "" && agencies.Find(r.AddressedToAgencyCode) is null)
            errors.Add("addressed_to_agency_code", $"'{r.AddressedToAgencyCode}' is not a registered agency");
        else if (r.AddressedToAgencyCode != "" && r.AddressedToAgencyCode == r.RaisedBy?.AgencyCode)
            errors.Add("addressed_to_agency_code", "must be another agency than the raising one");

        if (r.Category == ConcernCategory.Unspecified || !Enum.IsDefined(r.Category))
            errors.Add("category", "must be one of the concern categories");
        if (r.HarmLevel == HarmLevel.Unspecified || !Enum.IsDefined(r.HarmLevel))
            errors.Add("harm_level", "must be STANDARD, SIGNIFICANT_HARM or IMMINENT_HARM");
        errors.Required("details", r.Details, MaxDetailsLength);
        errors.ThrowIfAny();

        return new RaiseConcernCommand(
            r.IdempotencyKey,
            new M.ChildDetails(nhsNumber, r.Child!.GivenName.Trim(), r.Child.FamilyName.Trim(), dateOfBirth),
            new M.ActorRef(r.RaisedBy!.AgencyCode, r.RaisedBy.Role.Trim()),
            r.AddressedToAgencyCode,
            (M.ConcernCategory)(int)r.Category,
            (M.HarmLevel)(int)r.HarmLevel,
            r.Details);
    }
}
