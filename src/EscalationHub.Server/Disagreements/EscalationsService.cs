using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using EscalationHub.Domain.Disagreements;
using EscalationHub.Server.Agencies;
using EscalationHub.Server.Grpc;
using EscalationHub.Server.Ledger;
using EscalationHub.Server.Messaging;
using EscalationHub.Server.Store;
using Grpc.Core;
using Microsoft.EntityFrameworkCore;
using M = EscalationHub.Contracts.Messages;
using V1 = EscalationHub.Contracts.V1;

namespace EscalationHub.Server.Disagreements;

/// <summary>The gRPC side of disagreements: maps requests onto the same commands and handlers as the bus.
/// Refusals become statuses in <see cref="HubExceptionInterceptor"/>.</summary>
[BindServiceMethod(typeof(Grpc.EscalationsBinding), nameof(Grpc.EscalationsBinding.BindService))]
public sealed class EscalationsService(IServiceProvider services, HubUnitOfWork unitOfWork, HubDbContext db, DisagreementStore store,
    DisagreementSignals signals, WatchSettings watchSettings, AgencyDirectory agencies, ChildFileReadAudit audit, TimeProvider clock) : V1.Escalations.EscalationsBase
{
    public override async Task<V1.Disagreement> OpenDisagreement(V1.OpenDisagreementRequest r, ServerCallContext context) =>
        await ChangeAsync<OpenDisagreementHandler>((h, ct) => h.HandleAsync(new M.OpenDisagreement(
            r.IdempotencyKey, Actor(r.RaisedBy), r.RespondingAgencyCodes, r.ChildFileIds,
            r.Area == V1.AreaOfDisagreement.Unspecified ? "" : r.Area.ToString(), (M.HarmLevel)(int)r.HarmLevel, r.Summary,
            r.ProfileId, r.InfantNonAccidentalInjury), ct), context);

    public override async Task<V1.Disagreement> RecordDiscussion(V1.RecordDiscussionRequest r, ServerCallContext context) =>
        await ChangeAsync<RecordDiscussionHandler>((h, ct) => h.HandleAsync(new M.RecordDiscussion(
            r.DisagreementId, Actor(r.By), r.HeldAt?.ToDateTimeOffset() ?? default, r.Summary, r.Attendees, r.IsMeeting), ct), context, r.DisagreementId, r.By, r.RequestId);

    public override async Task<V1.Disagreement> ApproveRecord(V1.ApproveRecordRequest r, ServerCallContext context) =>
        await ChangeAsync<ApproveDisagreementRecordHandler>((h, ct) => h.HandleAsync(new M.ApproveDisagreementRecord(r.DisagreementId, Actor(r.By), r.RecordId), ct), context, r.DisagreementId, r.By, r.RequestId);

    public override async Task<V1.Disagreement> EscalateDisagreement(V1.EscalateDisagreementRequest r, ServerCallContext context) =>
        await ChangeAsync<EscalateDisagreementHandler>((h, ct) => h.HandleAsync(new M.EscalateDisagreement(r.DisagreementId, Actor(r.By), r.Reason), ct), context, r.DisagreementId, r.By, r.RequestId);

    public override async Task<V1.Disagreement> ResolveDisagreement(V1.ResolveDisagreementRequest r, ServerCallContext context) =>
        await ChangeAsync<ResolveDisagreementHandler>((h, ct) => h.HandleAsync(new M.ResolveDisagreement(r.DisagreementId, Actor(r.By), r.Summary,
            r.AgreedActions.Select(a => new M.AgreedActionItem(a.Who, a.What, a.ByWhen?.ToDateTimeOffset() ?? default)).ToList()), ct), context, r.DisagreementId, r.By, r.RequestId);

    public override async Task<V1.Disagreement> DecideFinalOutcome(V1.DecideFinalOutcomeRequest r, ServerCallContext context) =>
        await ChangeAsync<DecideFinalOutcomeHandler>((h, ct) => h.HandleAsync(new M.DecideFinalOutcome(r.DisagreementId, Actor(r.By),
            r.Outcome == V1.FinalOutcome.Unspecified ? "" : r.Outcome.ToString(), r.DecidedBy, r.Summary), ct), context, r.DisagreementId, r.By, r.RequestId);

    public override async Task<V1.Disagreement> GiveFeedback(V1.GiveFeedbackRequest r, ServerCallContext context) =>
        await ChangeAsync<GiveFeedbackHandler>((h, ct) => h.HandleAsync(new M.GiveFeedback(r.DisagreementId, Actor(r.By), r.Summary), ct), context, r.DisagreementId, r.By, r.RequestId);

    public override async Task<V1.Disagreement> RecordLearning(V1.RecordLearningRequest r, ServerCallContext context) =>
        await ChangeAsync<RecordLearningHandler>((h, ct) => h.HandleAsync(new M.RecordLearning(r.DisagreementId, Actor(r.By), r.Learning,
            r.Themes.Select(DisagreementMapping.ThemeCode).ToList()), ct), context, r.DisagreementId, r.By, r.RequestId);

    public override async Task<V1.Disagreement> CloseDisagreement(V1.CloseDisagreementRequest r, ServerCallContext context) =>
        await ChangeAsync<CloseDisagreementHandler>((h, ct) => h.HandleAsync(new M.CloseDisagreement(r.DisagreementId, Actor(r.By)), ct), context, r.DisagreementId, r.By, r.RequestId);

    public override async Task<V1.Disagreement> GetDisagreement(V1.GetDisagreementRequest r, ServerCallContext context)
    {
        const string call = "Escalations/GetDisagreement";
        var reader = ChildFileReader.From(r.AgencyCode, r.Purpose, r.ReaderRole);
        var (_, disagreement) = await LoadForPartyAsync(call, r.DisagreementId, r.AgencyCode, context.CancellationToken);
        await audit.RecordAsync(reader, call, Reads(disagreement.State), context.CancellationToken);
        return View(disagreement);
    }

    public override async Task<V1.EscalationRecord> GetEscalationRecord(V1.GetEscalationRecordRequest r, ServerCallContext context)
    {
        const string call = "Escalations/GetEscalationRecord";
        var reader = ChildFileReader.From(r.AgencyCode, r.Purpose, r.ReaderRole);
        var (_, disagreement) = await LoadForPartyAsync(call, r.DisagreementId, r.AgencyCode, context.CancellationToken);
        if (disagreement.Profile.EscalationRecord is null)
            throw new RpcException(new Status(StatusCode.FailedPrecondition, EscalationRecords.GetEscalationRecordHandler.NoTemplate(disagreement.Profile)));
        await audit.RecordAsync(reader, call, Reads(disagreement.State), context.CancellationToken);
        return await services.GetRequiredService<EscalationRecords.GetEscalationRecordHandler>().HandleAsync(disagreement, context.CancellationToken);
    }

    public override async Task<V1.ListDisagreementsResponse> ListDisagreements(V1.ListDisagreementsRequest r, ServerCallContext context)
    {
        RequireAgency(r.AgencyCode, "agency_code");
        var reader = ChildFileReader.From(r.AgencyCode, r.Purpose, r.ReaderRole);
        var pageSize = r.PageSize is <= 0 ? 50 : Math.Min(r.PageSize, 500);
        var now = clock.GetUtcNow();
        // Starts from the agency's own rows in the party index: an agency's list never touches other agencies' cases.
        var query = db.DisagreementParties.Where(p => p.AgencyCode == r.AgencyCode)
            .Join(db.Disagreements, p => p.DisagreementId, d => d.Id, (_, d) => d);
        if (r.ChildFileId != "")
            query = query.Where(d => db.DisagreementChildFiles.Any(c => c.ChildFileId == r.ChildFileId && c.DisagreementId == d.Id));
        if (r.Stage > 0) query = query.Where(d => d.CurrentStage == r.Stage);
        if (r.OpenOnly || r.OverdueOnly) query = query.Where(d => d.Status == nameof(DisagreementStatus.Open));
        if (r.OverdueOnly) query = query.Where(d => d.CurrentDeadlineAt != null && d.CurrentDeadlineAt < now);
        var rows = await query.OrderBy(d => d.OpenedAt).Take(pageSize).AsNoTracking().ToListAsync(context.CancellationToken);
        var found = rows.Select(store.Rehydrate).ToList();
        // One audit entry per child file the answer discloses, naming every disagreement of it that was listed.
        await audit.RecordAsync(reader, "Escalations/ListDisagreements", found.SelectMany(d => Reads(d.State)), context.CancellationToken);
        return new V1.ListDisagreementsResponse { Disagreements = { found.Select(View) } };
    }

    public override async Task WatchDisagreement(V1.WatchDisagreementRequest r, IServerStreamWriter<V1.DisagreementEvent> responseStream, ServerCallContext context)
    {
        const string call = "Escalations/WatchDisagreement";
        var reader = ChildFileReader.From(r.AgencyCode, r.Purpose, r.ReaderRole);
        var (row, opened) = await LoadForPartyAsync(call, r.DisagreementId, r.AgencyCode, context.CancellationToken);
        var cancellationToken = context.CancellationToken;
        await audit.RecordAsync(reader, call, Reads(opened.State), cancellationToken);
        using var watch = signals.Watch(row.Id);
        var sent = Math.Max(0, r.AfterSequence);
        while (!cancellationToken.IsCancellationRequested)
        {
            var changed = watch.Signal.Next; // before the read: a change committed during it still wakes this watch
            Operations.HubTelemetry.WatchStoreReads.Add(1, new KeyValuePair<string, object?>("watch", "disagreement"));
            var events = await db.DisagreementEvents.AsNoTracking().Where(e => e.DisagreementId == row.Id && e.Sequence > sent)
                .OrderBy(e => e.Sequence).ToListAsync(cancellationToken);
            if (events.Count > 0)
            {
                var current = store.Rehydrate(await db.Disagreements.AsNoTracking().SingleAsync(d => d.Id == row.Id, cancellationToken));
                foreach (var e in events)
                {
                    var domainEvent = JsonSerializer.Deserialize<DisagreementEvent>(e.Json, DisagreementStore.Json)!;
                    await responseStream.WriteAsync(DisagreementMapping.ToProto(e, domainEvent, current), cancellationToken);
                    sent = e.Sequence;
                    if (domainEvent is Closed) return;
                }
            }
            // Woken by the commit of a change to this disagreement; the slow poll only catches other hub replicas' changes.
            await Signal.WaitAsync(changed, watchSettings.FallbackPoll, cancellationToken);
        }
    }

    private static IEnumerable<(string ChildFileId, string? CaseId)> Reads(DisagreementState state) =>
        state.ChildFileIds.Select(file => (file, (string?)state.Id));

    /// <summary>Need to know: only a party reads a disagreement; anyone else is told it does not exist (NOT_FOUND, as
    /// for an unknown id). A refusal is reported to operators.</summary>
    private Task<(DisagreementRow, Disagreement)> LoadForPartyAsync(string call, string id, string agencyCode, CancellationToken cancellationToken) =>
        audit.AuthorizeAsync(call, agencyCode, () => LoadForPartyAsync(id, agencyCode, cancellationToken));

    private async Task<(DisagreementRow, Disagreement)> LoadForPartyAsync(string id, string agencyCode, CancellationToken cancellationToken)
    {
        RequireAgency(agencyCode, "agency_code");
        if (string.IsNullOrWhiteSpace(id)) throw FieldErrors.Single(StatusCode.InvalidArgument, "disagreement_id", "is required");
        return await store.LoadForPartyAsync(id, agencyCode, cancellationToken);
    }

    private void RequireAgency(string code, string field)
    {
        if (string.IsNullOrWhiteSpace(code) || agencies.Find(code) is null)
            throw FieldErrors.Single(StatusCode.InvalidArgument, field, $"'{code}' is not a registered agency");
    }

    /// <summary>Runs a change in the group commit; watchers and the scheduler are woken once it has committed.</summary>
    /// <remarks>With a request id the change is recorded in the inbox with it, as a bus command is with its message
    /// id, so a client that lost the answer (a timeout, a hub restart) can retry without applying it twice.</remarks>
    private async Task<V1.Disagreement> ChangeAsync<THandler>(Func<THandler, CancellationToken, Task<Disagreement>> change, ServerCallContext context,
        string disagreementId = "", V1.Actor? by = null, string requestId = "")
        where THandler : notnull
    {
        if (requestId.Length > 100) throw FieldErrors.Single(StatusCode.InvalidArgument, "request_id", "must be at most 100 characters");
        var handler = services.GetRequiredService<THandler>();
        var replayed = false;
        var disagreement = await unitOfWork.ExecuteAsync(async ct =>
        {
            if (requestId == "") return await change(handler, ct);
            var id = RequestMessageId(by?.AgencyCode ?? "", disagreementId, requestId);
            if (await db.Inbox.AnyAsync(i => i.MessageId == id, ct))
            {
                replayed = true;
                return (await store.LoadForPartyAsync(disagreementId, by?.AgencyCode ?? "", ct)).Disagreement;
            }
            try
            {
                db.Inbox.Add(new InboxMessage { MessageId = id, MessageType = $"grpc:{typeof(THandler).Name}", ProcessedAt = clock.GetUtcNow() });
                var changed = await change(handler, ct);
                await db.SaveChangesAsync(ct);
                return changed;
            }
            catch
            {
                db.ChangeTracker.Clear(); // a refused change records nothing, not even its request id
                throw;
            }
        }, context.CancellationToken);
        if (replayed)
        {
            // A replay changes nothing but answers with the whole disagreement: a read, audited like any other.
            var reader = ChildFileReader.From(by?.AgencyCode ?? "", V1.ReadPurpose.CaseWork, by?.Role);
            await audit.RecordAsync(reader, $"Escalations/{context.Method[(context.Method.LastIndexOf('/') + 1)..]} (replayed request_id)",
                Reads(disagreement.State), context.CancellationToken);
            return View(disagreement);
        }
        store.AfterCommit(disagreement.Id);
        return View(disagreement);
    }

    /// <summary>The inbox id of a request: derived from the agency, the disagreement and the request id, so neither two
    /// agencies nor one id reused on another disagreement collide (a replay never skips the party check elsewhere).</summary>
    private static Guid RequestMessageId(string agencyCode, string disagreementId, string requestId) =>
        new(SHA256.HashData(Encoding.UTF8.GetBytes($"grpc\u001f{agencyCode}\u001f{disagreementId}\u001f{requestId}")).AsSpan(0, 16));

    private V1.Disagreement View(Disagreement d) => DisagreementMapping.ToProto(d, clock.GetUtcNow());

    private static M.ActorRef Actor(V1.Actor? actor) => actor is null ? null! : new M.ActorRef(actor.AgencyCode, actor.Role);
}
