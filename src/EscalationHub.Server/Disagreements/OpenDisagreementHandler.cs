using System.Security.Cryptography;
using System.Text;
using EscalationHub.Domain.Calendar;
using EscalationHub.Domain.Disagreements;
using EscalationHub.Domain.Policies;
using EscalationHub.Server.Agencies;
using EscalationHub.Server.Concerns;
using EscalationHub.Server.Grpc;
using EscalationHub.Server.Store;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using M = EscalationHub.Contracts.Messages;

namespace EscalationHub.Server.Disagreements;

/// <summary>Opens a disagreement on the partnership's procedure: the written concern starts the clock. Idempotent per
/// (raising agency, idempotency key): a repeat returns the first disagreement and changes nothing. Runs inside a unit
/// of work.</summary>
public sealed class OpenDisagreementHandler(
    HubDbContext db,
    DisagreementStore store,
    AgencyDirectory agencies,
    PolicyProfiles profiles,
    WorkingCalendar calendar,
    IOptions<EscalationOptions> options,
    Ledger.LedgerWriter ledger,
    TimeProvider clock)
{
    public async Task<Disagreement> HandleAsync(M.OpenDisagreement command, CancellationToken cancellationToken)
    {
        var (open, profile) = await ValidateAsync(command, cancellationToken);
        var hash = Hash(command);
        var existing = await db.Disagreements.AsNoTracking().SingleOrDefaultAsync(
            d => d.RaisedByAgency == command.RaisedBy.AgencyCode && d.IdempotencyKey == command.IdempotencyKey, cancellationToken);
        if (existing is not null)
            return existing.RequestHash == hash ? store.Rehydrate(existing) : throw new IdempotencyKeyReusedException(command.IdempotencyKey);

        var now = clock.GetUtcNow();
        var opening = Disagreement.Open(open with { Id = Identifiers.NewReference("DG") }, profile, calendar, now);
        // A responding agency not yet party to a child file joins it: recorded on the file and told to its parties.
        foreach (var childFileId in open.ChildFileIds)
            await Ledger.ChildFileJoins.RecordAsync(db, ledger, childFileId, open.Responders.Select(r => r.AgencyCode),
                "disagreement", opening.Disagreement.Id, command.RaisedBy, now, cancellationToken);
        store.Add(opening.Disagreement, command.IdempotencyKey, hash, opening.Events, now, command.RaisedBy);
        await db.SaveChangesAsync(cancellationToken);
        return opening.Disagreement;
    }

    private async Task<(OpenDisagreement Open, PolicyProfile Profile)> ValidateAsync(M.OpenDisagreement c, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        errors.Required("idempotency_key", c.IdempotencyKey, 100);
        var raiser = DisagreementValidation.Party(errors, agencies, c.RaisedBy, "raised_by");

        var responders = new List<Party>();
        if (c.RespondingAgencyCodes is not { Count: > 0 }) errors.Add("responding_agency_codes", "at least one responding agency is required");
        else if (errors.WithinCount("responding_agency_codes", c.RespondingAgencyCodes))
        {
            foreach (var (code, i) in c.RespondingAgencyCodes.Select((code, i) => (code, i)))
            {
                var agency = agencies.Find(code ?? "");
                if (agency is null) errors.Add($"responding_agency_codes[{i}]", $"'{code}' is not a registered agency");
                else if (code == c.RaisedBy?.AgencyCode) errors.Add($"responding_agency_codes[{i}]", "the raising agency cannot also respond");
                else if (responders.Any(r => r.AgencyCode == code)) errors.Add($"responding_agency_codes[{i}]", $"'{code}' is named twice");
                else responders.Add(new Party(agency.Code, DisagreementValidation.TypeOf(agency)));
            }
        }

        _ = errors.WithinCount("child_file_ids", c.ChildFileIds);
        if (c.ChildFileIds is not { Count: > 0 }) errors.Add("child_file_ids", "at least one child file is required");
        // A file that does not exist is refused below as one the agency is not party to: the same answer (NOT_FOUND).

        var area = DisagreementValidation.Area(errors, c.Area);
        if (!Enum.IsDefined(c.HarmLevel)) errors.Add("harm_level", "must be STANDARD, SIGNIFICANT_HARM or IMMINENT_HARM");
        errors.RequiredText("summary", c.Summary, DisagreementValidation.MaxText);

        var profileId = string.IsNullOrWhiteSpace(c.ProfileId) ? options.Value.DefaultProfile : c.ProfileId;
        if (!profiles.TryGet(profileId, out var profile))
            errors.Add("profile_id", $"'{profileId}' is not a loaded policy profile ({string.Join(", ", profiles.All.Select(p => p.Id))})");
        errors.ThrowIfInvalid();
        foreach (var (id, i) in c.ChildFileIds!.Select((id, i) => (id, i)))
            if (!await Ledger.ChildFileParties.IsPartyAsync(db, id, c.RaisedBy!.AgencyCode, cancellationToken))
                throw new NotPartyToChildFileException(c.RaisedBy.AgencyCode, id, i);

        var harm = Enum.Parse<HarmLevel>(c.HarmLevel.ToString());
        return (new OpenDisagreement("", raiser!, responders, [.. c.ChildFileIds!.Distinct()], area, harm, c.Summary.Trim(), c.InfantNonAccidentalInjury), profile);
    }

    private static string Hash(M.OpenDisagreement c) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\u001f',
        c.RaisedBy.AgencyCode, c.RaisedBy.Role, string.Join(',', c.RespondingAgencyCodes), string.Join(',', c.ChildFileIds), c.Area, c.HarmLevel,
        c.Summary, c.ProfileId, c.InfantNonAccidentalInjury))));
}
