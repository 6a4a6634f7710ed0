using EscalationHub.Server.Store;
using Microsoft.EntityFrameworkCore;

namespace EscalationHub.Server.Ledger;

/// <summary>Who is party to a child file, and so may hold it: the raising and addressed agencies of its concerns and
/// the parties of the disagreements about the child.</summary>
public static class ChildFileParties
{
    public static async Task<bool> IsPartyAsync(HubDbContext db, string childFileId, string agencyCode, CancellationToken cancellationToken) =>
        await db.Concerns.AnyAsync(c => c.ChildFileId == childFileId
            && (c.RaisedByAgency == agencyCode || c.AddressedToAgency == agencyCode), cancellationToken)
        || await db.DisagreementChildFiles.AnyAsync(c => c.ChildFileId == childFileId
            && db.DisagreementParties.Any(p => p.DisagreementId == c.DisagreementId && p.AgencyCode == agencyCode), cancellationToken);
}
