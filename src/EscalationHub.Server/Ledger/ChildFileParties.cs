using EscalationHub.Server.Store;
using Microsoft.EntityFrameworkCore;

namespace EscalationHub.Server.Ledger;

/// <summary>Who is party to a child file, and so may hold it: the raising and addressed agencies of its concerns and
/// the parties of the disagreements about the child.</summary>
public static class ChildFileParties
{
    /// <summary>The answer to a file that does not exist and to a file the agency is not party to: the same, so that
    /// it tells nothing of whether the id exists.</summary>
    public static string NotFound(string childFileId, string agencyCode) => $"child_file_id: no child file '{childFileId}' that {agencyCode} is party to";

    public static async Task<bool> IsPartyAsync(HubDbContext db, string childFileId, string agencyCode, CancellationToken cancellationToken) =>
        await db.Concerns.AnyAsync(c => c.ChildFileId == childFileId
            && (c.RaisedByAgency == agencyCode || c.AddressedToAgency == agencyCode), cancellationToken)
        || await db.DisagreementChildFiles.AnyAsync(c => c.ChildFileId == childFileId
            && db.DisagreementParties.Any(p => p.DisagreementId == c.DisagreementId && p.AgencyCode == agencyCode), cancellationToken);

    /// <summary>Every agency party to the file as stored (what this unit of work has not saved yet is not counted).</summary>
    public static async Task<IReadOnlySet<string>> AllAsync(HubDbContext db, string childFileId, CancellationToken cancellationToken)
    {
        var raisers = await db.Concerns.Where(c => c.ChildFileId == childFileId).Select(c => c.RaisedByAgency).Distinct().ToListAsync(cancellationToken);
        var addressed = await db.Concerns.Where(c => c.ChildFileId == childFileId).Select(c => c.AddressedToAgency).Distinct().ToListAsync(cancellationToken);
        var disagreeing = await db.DisagreementParties
            .Where(p => db.DisagreementChildFiles.Any(f => f.ChildFileId == childFileId && f.DisagreementId == p.DisagreementId))
            .Select(p => p.AgencyCode).Distinct().ToListAsync(cancellationToken);
        return raisers.Concat(addressed).Concat(disagreeing).ToHashSet(StringComparer.Ordinal);
    }
}
