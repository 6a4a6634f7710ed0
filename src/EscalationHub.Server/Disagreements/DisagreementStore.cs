using System.Text.Json;
using EscalationHub.Domain.Calendar;
using EscalationHub.Domain.Disagreements;
using EscalationHub.Domain.Policies;
using EscalationHub.Server.Agencies;
using EscalationHub.Server.Ledger;
using EscalationHub.Server.Messaging;
using EscalationHub.Server.Store;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using M = EscalationHub.Contracts.Messages;

namespace EscalationHub.Server.Disagreements;

public sealed class EscalationOptions
{
    public const string Section = "Escalations";

    /// <summary>The procedure a disagreement follows when the request names none.</summary>
    public string DefaultProfile { get; set; } = "north-wales-2014";

    /// <summary>How long before a stage deadline the parties are warned.</summary>
    public TimeSpan WarnBefore { get; set; } = TimeSpan.FromHours(2);

    /// <summary>The longest the scheduler sleeps between looks for due deadlines (it also wakes on every change).</summary>
    public TimeSpan SchedulerPollInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The local authority's agency (children's social care) whose queue a profile's informed parties of the
    /// local authority (North Wales: the Child Protection Co-ordinator) are reached on when no social care agency is
    /// party. Empty: the one social care agency registered with the hub, if there is exactly one.</summary>
    public string? LocalAuthorityAgency { get; set; }
}

public sealed class DisagreementNotFoundException(string id) : Exception($"no disagreement {id}");

/// <summary>An agency acted on or read a disagreement it is not party to, or one that does not exist: the two get the
/// same answer (NOT_FOUND), so it never tells whether an id exists.</summary>
public sealed class NotAPartyException(string agency, string id) : Exception($"disagreement_id: no disagreement '{id}' that {agency} is party to");

/// <summary>An agency may open a disagreement only about children whose files it already holds (a concern it raised
/// or received, or another disagreement): otherwise naming a child file would make it a party and open the file. A
/// file that does not exist gets the same answer (NOT_FOUND).</summary>
public sealed class NotPartyToChildFileException(string agency, string childFileId, int index)
    : Exception($"child_file_ids[{index}]: no child file '{childFileId}' that {agency} is party to");

/// <summary>Loads a disagreement, applies a domain transition and stages the result in the current unit of work
/// (<see cref="HubUnitOfWork"/>, which group-commits it): the new state, its events, a notice for every party (and
/// only parties) in the outbox, and an entry for each event on each of its children's files in the ledger.</summary>
public sealed class DisagreementStore(
    HubDbContext db,
    LedgerWriter ledger,
    PolicyProfiles profiles,
    WorkingCalendar calendar,
    OutboxSignal outbox,
    DisagreementSignals signals,
    IOptions<EscalationOptions> options,
    AgencyDirectory agencies,
    TimeProvider clock)
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Applies <paramref name="transition"/> as <paramref name="acting"/> (null: the hub's own scheduler).
    /// Runs inside a unit of work.</summary>
    public async Task<Disagreement> ChangeAsync(
        string disagreementId,
        M.ActorRef? acting,
        Func<Disagreement, DateTimeOffset, IReadOnlyList<DisagreementEvent>> transition,
        CancellationToken cancellationToken)
    {
        var (row, disagreement) = acting is null ? await LoadAsync(disagreementId, cancellationToken)
            : await LoadForPartyAsync(disagreementId, acting.AgencyCode, cancellationToken);

        var now = clock.GetUtcNow();
        var events = transition(disagreement, now);
        if (events.Count == 0) return disagreement; // e.g. a repeated approval: nothing to store or tell
        Append(row, disagreement, events, now, acting);
        await db.SaveChangesAsync(cancellationToken);
        return disagreement;
    }

    public async Task<(DisagreementRow Row, Disagreement Disagreement)> LoadAsync(string id, CancellationToken cancellationToken)
    {
        var row = await db.Disagreements.SingleOrDefaultAsync(d => d.Id == id, cancellationToken) ?? throw new DisagreementNotFoundException(id);
        return (row, Rehydrate(row));
    }

    /// <summary>Loads a disagreement for one of its parties; an unknown id and a disagreement of others are both
    /// <see cref="NotAPartyException"/>.</summary>
    public async Task<(DisagreementRow Row, Disagreement Disagreement)> LoadForPartyAsync(string id, string agencyCode, CancellationToken cancellationToken)
    {
        var row = await db.Disagreements.SingleOrDefaultAsync(d => d.Id == id, cancellationToken) ?? throw new NotAPartyException(agencyCode, id);
        var disagreement = Rehydrate(row);
        if (disagreement.State.Parties.All(p => p.AgencyCode != agencyCode)) throw new NotAPartyException(agencyCode, id);
        return (row, disagreement);
    }

    public Disagreement Rehydrate(DisagreementRow row) =>
        Disagreement.FromState(JsonSerializer.Deserialize<DisagreementState>(row.StateJson, Json)!, profiles[row.ProfileId], calendar);

    /// <summary>Stages a new disagreement: its row, who is party, which children, and its opening events.</summary>
    public void Add(Disagreement disagreement, string idempotencyKey, string requestHash, IReadOnlyList<DisagreementEvent> events, DateTimeOffset now,
        M.ActorRef raisedBy)
    {
        var state = disagreement.State;
        var row = new DisagreementRow
        {
            Id = state.Id, ProfileId = state.ProfileId, RaisedByAgency = state.Raiser.AgencyCode, IdempotencyKey = idempotencyKey,
            RequestHash = requestHash, OpenedAt = state.OpenedAt, Status = state.Status.ToString(), StateJson = "{}", Version = 0,
        };
        db.Disagreements.Add(row);
        db.DisagreementParties.AddRange(state.Parties.Select(p => new DisagreementParty { DisagreementId = state.Id, AgencyCode = p.AgencyCode }));
        db.DisagreementChildFiles.AddRange(state.ChildFileIds.Select(c => new DisagreementChildFile { DisagreementId = state.Id, ChildFileId = c }));
        Append(row, disagreement, events, now, raisedBy);
    }

    /// <summary>Wakes the dispatcher, the watchers and the scheduler once the unit of work has committed.</summary>
    public void AfterCommit(string disagreementId)
    {
        outbox.Committed.Notify();
        signals.Changed(disagreementId);
    }

    private void Append(DisagreementRow row, Disagreement disagreement, IReadOnlyList<DisagreementEvent> events, DateTimeOffset now, M.ActorRef? acting)
    {
        var state = disagreement.State;
        var first = state.Version - events.Count + 1;
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            db.DisagreementEvents.Add(new DisagreementEventRow
            {
                DisagreementId = state.Id, Sequence = first + i, Type = DisagreementText.TypeOf(e), At = e.At,
                Json = JsonSerializer.Serialize(e, Json),
            });
            Notify(disagreement, e, first + i, now, row.IdempotencyKey);
            var author = DisagreementLedger.AuthorOf(e, acting?.AgencyCode);
            var role = author == acting?.AgencyCode ? acting.Role : "deadline scheduler";
            foreach (var childFileId in state.ChildFileIds)
                ledger.Append(childFileId, state.Id, DisagreementLedger.TypeOf(e), author, role, e.At, DisagreementLedger.Payload(e, first + i));
            if (e is StageEntered entered) InformParties(disagreement, entered, first + i, now);
        }

        row.Status = state.Status.ToString();
        row.CurrentStage = state.Current.Stage;
        row.CurrentDeadlineAt = disagreement.CurrentDeadline?.Instant;
        row.AutoEscalateAt = disagreement.AutomaticEscalationDueAt;
        row.WarnAt = WarnAt(disagreement, now);
        row.Version = state.Version;
        row.StateJson = JsonSerializer.Serialize(state, Json);
    }

    private DateTimeOffset? WarnAt(Disagreement disagreement, DateTimeOffset now)
    {
        // A referral timescale (London stages 3 and 4) is warned of when it has passed without the case being referred.
        if (disagreement.ReferralWarningDueAt is { } referBy) return referBy;
        if (disagreement.AutomaticEscalationDueAt is not { } due) return null;
        var warnAt = due - options.Value.WarnBefore;
        // A stage shorter than the warning period is warned of at once only if that is still worth saying.
        return warnAt > disagreement.CurrentStage.EnteredAt ? warnAt : null;
    }

    /// <summary>Every party gets a notice of every event, with the role it is expected to send to the current stage.</summary>
    private void Notify(Disagreement disagreement, DisagreementEvent e, int sequence, DateTimeOffset now, string raisersKey)
    {
        foreach (var party in disagreement.State.Parties)
            db.Enqueue(M.Addresses.AgencyQueue(party.AgencyCode), Notice(disagreement, e, sequence, party.AgencyCode, raisersKey), now);
    }

    private static M.DisagreementNotice Notice(Disagreement disagreement, DisagreementEvent e, int sequence, string agencyCode, string raisersKey)
    {
        var state = disagreement.State;
        var stage = state.Current;
        return new M.DisagreementNotice(
            state.Id, sequence, DisagreementText.TypeOf(e), e.At, DisagreementText.Describe(e), state.Status.ToString(),
            stage.Stage, stage.Name, stage.Deadline?.Instant, stage.Deadline?.Rule,
            Automatic: e is Escalated { Auto: true },
            Urgent: e is StageEntered { DueImmediately: true } or HarmReassessed { DueImmediately: true },
            stage.ExpectedRoles.FirstOrDefault(r => r.AgencyCode == agencyCode)?.Role,
            e is StageEntered entered ? entered.MustInform : [],
            state.Raiser.AgencyCode, state.ChildFileIds)
        {
            IdempotencyKey = agencyCode == state.Raiser.AgencyCode ? raisersKey : null,
        };
    }

    /// <summary>The profile's informed parties a stage names (North Wales: the raiser's line manager and the Local
    /// Authority Child Protection Co-ordinator) are reached on their agency's queue: a party already has the stage
    /// notice; another agency (the local authority when social care is not party) gets the same notice. Each child's
    /// file records who was informed, of which stage, on which agency's queue.</summary>
    private void InformParties(Disagreement disagreement, StageEntered entered, int sequence, DateTimeOffset now)
    {
        var state = disagreement.State;
        foreach (var role in entered.MustInform)
        {
            if (disagreement.Profile.InformedParties.FirstOrDefault(p => p.Role == role) is not { } informed) continue;
            var agencyCode = informed.Agency switch
            {
                InformedAgency.Raiser => state.Raiser.AgencyCode,
                _ => LocalAuthorityOf(state),
            };
            if (agencyCode is null) continue; // no local authority known: the notices' mustInform still names the role
            var isParty = state.Parties.Any(p => p.AgencyCode == agencyCode);
            if (!isParty)
                db.Enqueue(M.Addresses.AgencyQueue(agencyCode), Notice(disagreement, entered, sequence, agencyCode, raisersKey: "") with { InformedOnly = true }, now);
            foreach (var childFileId in state.ChildFileIds)
                ledger.Append(childFileId, state.Id, DisagreementLedger.PartyInformed, "hub", "informed parties", entered.At, new
                {
                    Sequence = sequence, Type = "party-informed", entered.Stage, informed.Role, informed.Title, AgencyCode = agencyCode,
                    Party = isParty,
                });
        }
    }

    private string? LocalAuthorityOf(DisagreementState state) =>
        state.Parties.FirstOrDefault(p => p.AgencyType == AgencyType.SocialCare)?.AgencyCode
        ?? (string.IsNullOrWhiteSpace(options.Value.LocalAuthorityAgency) ? null : options.Value.LocalAuthorityAgency)
        ?? (agencies.All.Where(a => a.Type == EscalationHub.Contracts.V1.AgencyType.SocialCare).ToList() is [var only] ? only.Code : null);

    /// <summary>The parties are told the deadline is near; the row is marked so they are told once. Runs inside a unit of work.</summary>
    public async Task WarnAsync(string disagreementId, CancellationToken cancellationToken)
    {
        var (row, disagreement) = await LoadAsync(disagreementId, cancellationToken);
        var now = clock.GetUtcNow();
        if (row.WarnAt is not { } warnAt || warnAt > now) return;
        row.WarnAt = null;
        var stage = disagreement.State.Current;
        if (disagreement.Status == DisagreementStatus.Open && stage.Deadline is { } deadline)
        {
            foreach (var party in disagreement.State.Parties)
                db.Enqueue(M.Addresses.AgencyQueue(party.AgencyCode), new M.DeadlineApproaching(disagreement.Id, stage.Stage, stage.Name,
                    deadline.Instant, deadline.Rule, stage.ExpectedRoles.FirstOrDefault(r => r.AgencyCode == party.AgencyCode)?.Role), now);
        }
        await db.SaveChangesAsync(cancellationToken);
    }
}

/// <summary>Wakes WatchDisagreement streams, the deadline scheduler and the escalation record binder when a
/// disagreement changed on this hub.</summary>
public sealed class DisagreementSignals
{
    private readonly KeyedSignals<string> watchers = new();
    private readonly System.Threading.Channels.Channel<string> changed =
        System.Threading.Channels.Channel.CreateUnbounded<string>(new() { SingleReader = true });

    public Signal Scheduler { get; } = new();

    /// <summary>Every disagreement changed on this hub, in commit order (read by <see cref="EscalationRecords.EscalationRecordBinder"/>).</summary>
    public System.Threading.Channels.ChannelReader<string> ChangedIds => changed.Reader;

    public void Changed(string disagreementId)
    {
        watchers.Notify(disagreementId);
        Scheduler.Notify();
        changed.Writer.TryWrite(disagreementId);
    }

    public KeyedSignals<string>.Lease Watch(string disagreementId) => watchers.Watch(disagreementId);
}
