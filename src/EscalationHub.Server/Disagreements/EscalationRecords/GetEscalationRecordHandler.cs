using System.Security.Cryptography;
using System.Text.Json;
using EscalationHub.Domain.Disagreements;
using EscalationHub.Domain.Policies;
using EscalationHub.Server.Ledger;
using EscalationHub.Server.Store;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Microsoft.EntityFrameworkCore;
using V1 = EscalationHub.Contracts.V1;

namespace EscalationHub.Server.Disagreements.EscalationRecords;

/// <summary>
/// Produces a disagreement's escalation record as its procedure's template asks for it (Leicester UHL guideline 11,
/// Appendix 1 "Safeguarding Children Case Escalation"): built from the disagreement's events, the roles the ledger holds
/// for who acted, and the child files; rendered as a printable page; and bound into the ledger by the page's SHA-256
/// ("disagreement.escalation-record" on each child's file), once per version of its content. The caller has already
/// checked that the reader is a party.
/// </summary>
public sealed class GetEscalationRecordHandler(HubDbContext db, HubUnitOfWork unitOfWork, LedgerWriter ledger, Domain.Calendar.WorkingCalendar calendar)
{
    public const string EntryType = "disagreement.escalation-record";

    /// <summary>Why a disagreement under <paramref name="profile"/> has no escalation record (FAILED_PRECONDITION).</summary>
    public static string NoTemplate(PolicyProfile profile) =>
        $"the {profile.ShortName} procedure has no escalation record template (Leicester UHL guideline 11 has one: Appendix 1)";

    public async Task<V1.EscalationRecord> HandleAsync(Disagreement disagreement, CancellationToken cancellationToken)
    {
        var template = disagreement.Profile.EscalationRecord ?? throw new InvalidOperationException(NoTemplate(disagreement.Profile));
        var state = disagreement.State;
        var events = (await db.DisagreementEvents.AsNoTracking().Where(e => e.DisagreementId == state.Id).OrderBy(e => e.Sequence)
                .Select(e => new { e.Sequence, e.Json }).ToListAsync(cancellationToken))
            .Select(e => (e.Sequence, Event: JsonSerializer.Deserialize<DisagreementEvent>(e.Json, DisagreementStore.Json)!)).ToList();
        var actors = await ActorsAsync(state, cancellationToken);

        var record = new V1.EscalationRecord { DisagreementId = state.Id, Title = template.Title, Source = template.Source, Reason = state.Summary };
        var files = await db.ChildFiles.AsNoTracking().Where(f => state.ChildFileIds.Contains(f.Id)).ToListAsync(cancellationToken);
        foreach (var file in files.OrderBy(f => state.ChildFileIds.IndexOf(f.Id)))
            record.Patients.Add(new V1.EscalationRecordPatient
            {
                ChildFileId = file.Id, GivenName = file.GivenName, FamilyName = file.FamilyName, NhsNumber = file.NhsNumber ?? "",
                DateOfBirth = new V1.Date { Year = file.DateOfBirth.Year, Month = file.DateOfBirth.Month, Day = file.DateOfBirth.Day },
            });

        for (var level = 1; level <= template.Levels.Count; level++)
        {
            var row = new V1.EscalationRecordLevel { Level = level, EscalatedTo = template.Levels[level - 1] };
            var reached = events.FirstOrDefault(e => e.Event is StageEntered s && s.Stage == level && s.Step == 1);
            if (reached.Event is StageEntered entered)
            {
                row.Reached = true;
                row.EscalatedAt = Timestamp.FromDateTimeOffset(entered.At);
                // Entered by an escalation (the event just before it), or as the entry stage when the case was raised.
                var cause = events.LastOrDefault(e => e.Sequence < reached.Sequence && e.Event is Escalated or DisagreementOpened);
                switch (cause.Event)
                {
                    case Escalated { Auto: true } x:
                        row.Automatic = true;
                        row.Reason = x.Reason;
                        break;
                    case Escalated x:
                        row.Reason = x.Reason;
                        if (actors.TryGetValue(cause.Sequence, out var by)) row.EscalatedBy = by;
                        break;
                    case DisagreementOpened when actors.TryGetValue(cause.Sequence, out var raiser):
                        row.EscalatedBy = raiser;
                        break;
                }
            }
            record.Levels.Add(row);
        }

        record.Outcome = state.FinalOutcome is { } final ? $"{Words(final.Outcome)} at stage {final.Stage}: {final.Summary}"
            : state.Resolution is { } resolved
                ? $"Resolved at stage {resolved.Stage}: {resolved.Summary}" + string.Concat(resolved.AgreedActions.Select(a =>
                    $"\n{a.Who}: {a.What}, by {calendar.ToLocal(a.ByWhen):dd/MM/yyyy HH:mm}"))
                : "";

        foreach (var (sequence, e) in events)
            if (e is RecordApproved approved)
                record.Signatures.Add(new V1.EscalationRecordSignature
                {
                    RecordId = approved.RecordId,
                    Stage = state.Records.FirstOrDefault(r => r.Record.Id == approved.RecordId)?.Record.Stage ?? 0,
                    ApprovedBy = actors.GetValueOrDefault(sequence) ?? new V1.Actor { AgencyCode = approved.By },
                    ApprovedAt = Timestamp.FromDateTimeOffset(approved.At),
                });

        var html = EscalationRecordPage.Render(record, calendar);
        record.Html = ByteString.CopyFrom(html);
        record.Sha256 = Convert.ToHexStringLower(SHA256.HashData(html));
        record.LedgerIndex = await BindAsync(state, record.Sha256, template, cancellationToken);
        return record;
    }

    /// <summary>Who did each event (by its sequence), as the ledger recorded the acting agency and role.</summary>
    private async Task<Dictionary<int, V1.Actor>> ActorsAsync(DisagreementState state, CancellationToken cancellationToken)
    {
        var firstFile = state.ChildFileIds[0];
        var entries = await db.LedgerEntries.AsNoTracking()
            .Where(e => e.CaseId == state.Id && e.ChildFileId == firstFile
                && (e.EntryType == "disagreement.opened" || e.EntryType == "disagreement.escalated" || e.EntryType == "disagreement.record-approved"))
            .Select(e => e.EntryBytes).ToListAsync(cancellationToken);
        var actors = new Dictionary<int, V1.Actor>();
        foreach (var bytes in entries)
        {
            var entry = EscalationHub.Ledger.LedgerEntry.Parse(bytes);
            using var payload = JsonDocument.Parse(entry.Payload);
            if (payload.RootElement.TryGetProperty("sequence", out var sequence))
                actors[sequence.GetInt32()] = new V1.Actor { AgencyCode = entry.AuthorAgencyCode, Role = entry.AuthorRole };
        }
        return actors;
    }

    /// <summary>The log index of the entry binding this version of the record: the existing one, or a new entry on
    /// each child's file (the first file's index returned).</summary>
    private async Task<long> BindAsync(DisagreementState state, string sha256, EscalationRecordTemplate template, CancellationToken cancellationToken)
    {
        // One binding at a time in this process: a party's request and the binder (EscalationRecordBinder) asking for
        // the same version at once bind it once.
        await Binding.WaitAsync(cancellationToken);
        try
        {
            return await BindOnceAsync(state, sha256, template, cancellationToken);
        }
        finally
        {
            Binding.Release();
        }
    }

    private static readonly SemaphoreSlim Binding = new(1, 1);

    private async Task<long> BindOnceAsync(DisagreementState state, string sha256, EscalationRecordTemplate template, CancellationToken cancellationToken)
    {
        var firstFile = state.ChildFileIds[0];
        var bound = await db.LedgerEntries.AsNoTracking()
            .Where(e => e.CaseId == state.Id && e.ChildFileId == firstFile && e.EntryType == EntryType)
            .Select(e => new { e.Sequence, e.EntryBytes }).ToListAsync(cancellationToken);
        foreach (var entry in bound)
        {
            using var payload = JsonDocument.Parse(EscalationHub.Ledger.LedgerEntry.Parse(entry.EntryBytes).Payload);
            if (payload.RootElement.GetProperty("htmlSha256").GetString() == sha256) return entry.Sequence;
        }

        StagedLedgerEntry? first = null;
        await unitOfWork.ExecuteAsync(_ =>
        {
            foreach (var childFileId in state.ChildFileIds)
            {
                var staged = ledger.Append(childFileId, state.Id, EntryType, "hub", "escalation record", LastChange(state),
                    new { Type = "escalation-record", template.Title, Version = state.Version, HtmlSha256 = sha256 });
                first ??= staged;
            }
            return Task.CompletedTask;
        }, cancellationToken);
        return first!.Sequence ?? throw new InvalidOperationException("the escalation record's ledger entry has no index after its commit");
    }

    private static DateTimeOffset LastChange(DisagreementState state) =>
        new[] { state.Stages[^1].EnteredAt, state.Resolution?.At ?? default, state.FinalOutcome?.At ?? default }
            .Concat(state.Records.SelectMany(r => r.Approvals.Select(a => a.At))).Max();

    private static string Words(FinalOutcome outcome) =>
        string.Concat(outcome.ToString().Select((c, i) => i > 0 && char.IsUpper(c) ? " " + char.ToLowerInvariant(c) : c.ToString()));
}
