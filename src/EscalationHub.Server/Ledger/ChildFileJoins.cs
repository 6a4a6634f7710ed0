using EscalationHub.Contracts.Messages;
using EscalationHub.Server.Messaging;
using EscalationHub.Server.Store;
using Microsoft.EntityFrameworkCore;

namespace EscalationHub.Server.Ledger;

/// <summary>
/// An agency joining a child file it was not party to (as the raiser or addressed agency of a concern, or a responding
/// agency named in a disagreement) is recorded on the file: a "child-file.party-joined" entry (which agency, through
/// which concern or disagreement, by whom, when), staged before the entries of the case that joined it, and a
/// <see cref="ChildFilePartyJoined"/> notice to every agency already party. A file's first concern joins nobody: its
/// two agencies are the file's first parties. Where an agency joined decides what it may read of the file's earlier
/// entries (<see cref="JoinedAtAsync"/>). Run inside the unit of work of the command that joins.
/// </summary>
public static class ChildFileJoins
{
    public const string EntryType = "child-file.party-joined";

    public sealed record Payload(string Agency, string Through);

    /// <param name="agencies">The agencies the case makes party to the file; those already party are skipped.</param>
    public static async Task RecordAsync(HubDbContext db, LedgerWriter ledger, string childFileId, IEnumerable<string> agencies,
        string through, string caseId, ActorRef by, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var parties = await ChildFileParties.AllAsync(db, childFileId, cancellationToken);
        if (parties.Count == 0) return; // a new file: its first parties join nothing
        foreach (var agency in agencies.Distinct(StringComparer.Ordinal).Where(a => !parties.Contains(a)))
        {
            ledger.Append(childFileId, caseId, EntryType, by.AgencyCode, by.Role, now, new Payload(agency, through));
            foreach (var party in parties.Order(StringComparer.Ordinal))
                db.Enqueue(Addresses.AgencyQueue(party), new ChildFilePartyJoined(childFileId, agency, through, caseId, by, now), now);
        }
    }

    /// <summary>
    /// What an agency that joined the file later may read of the entries recorded before it joined (index &lt;
    /// <see cref="EarlierEntries.Before"/>): their metadata only (index, leaf hash, entry type, recording agency, time:
    /// enough for its verified copy, since the leaf hash proves each entry into the signed tree head), unless the read
    /// states a purpose other than REPLICATION (GetChildFileRequest.purpose), in which case they are returned in full
    /// and that read is audited with its purpose. An agency party from the start (no join entry names it) reads
    /// everything.
    /// </summary>
    public static async Task<EarlierEntries> EarlierEntriesAsync(HubDbContext db, string childFileId, string agencyCode,
        Contracts.V1.ReadPurpose purpose, CancellationToken cancellationToken)
    {
        var joinedAt = await JoinedAtAsync(db, childFileId, agencyCode, cancellationToken);
        var stated = purpose is not (Contracts.V1.ReadPurpose.Unspecified or Contracts.V1.ReadPurpose.Replication);
        return new EarlierEntries(joinedAt ?? 0, Withheld: joinedAt is not null && !stated);
    }

    /// <param name="Before">Entries with a lower index were recorded before the agency joined (0: none).</param>
    /// <param name="Withheld">True when only their metadata may be returned to this read.</param>
    public readonly record struct EarlierEntries(long Before, bool Withheld);

    /// <summary>The log index at which <paramref name="agencyCode"/> joined the file, or null for an agency that was
    /// party from the start (no join entry names it: the file's first parties, or files from before joins were recorded).</summary>
    public static async Task<long?> JoinedAtAsync(HubDbContext db, string childFileId, string agencyCode, CancellationToken cancellationToken)
    {
        var joins = await db.LedgerEntries.AsNoTracking()
            .Where(e => e.ChildFileId == childFileId && e.EntryType == EntryType)
            .OrderBy(e => e.Sequence).Select(e => new { e.Sequence, e.EntryBytes }).ToListAsync(cancellationToken);
        foreach (var join in joins)
        {
            var entry = EscalationHub.Ledger.LedgerEntry.Parse(join.EntryBytes);
            var payload = System.Text.Json.JsonSerializer.Deserialize<Payload>(entry.Payload.Span, System.Text.Json.JsonSerializerOptions.Web);
            if (payload?.Agency == agencyCode) return join.Sequence;
        }
        return null;
    }
}
