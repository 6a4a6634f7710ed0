using EscalationHub.Contracts.Messages;
using EscalationHub.Ledger;

namespace EscalationHub.Adapters.Runtime.Ledger;

/// <summary>
/// "Signed by both parties": the agency signs a ledger entry's hash with its approval key and sends
/// <see cref="ApproveRecord"/>; the hub checks the signature against the agency's registered key and records a
/// "record.approved" entry on the same child file. Only an entry this agency's replica has verified can be approved:
/// an agency signs nothing it has not checked is in the log.
/// </summary>
public sealed class RecordApprovals(AgencyLedgers ledgers, HubSender hub, TimeProvider clock)
{
    /// <returns>The id of the ApproveRecord message (the same for a repeat, so the hub applies it once).</returns>
    public async Task<Guid> ApproveAsync(string agencyCode, string childFileId, long entryIndex, string role, CancellationToken cancellationToken = default)
    {
        var ledger = ledgers.For(agencyCode);
        var entry = await ledger.Replica.EntryAsync(entryIndex, cancellationToken);
        if (entry is null || entry.ChildFileId != childFileId)
            throw new InvalidOperationException($"entry #{entryIndex} of child file {childFileId} is not in {agencyCode}'s verified replica yet");
        if (entry.EntryBytes.Length == 0)
            throw new InvalidOperationException($"entry #{entryIndex} of child file {childFileId} was recorded before {agencyCode} joined the file: " +
                "its replica holds only its metadata, and an agency signs nothing it has not read");

        var approval = RecordApproval.Sign(entry.LeafHash, agencyCode, ledger.ApprovalKey);
        var messageId = DeterministicId.For(new Guid(entry.LeafHash.Span[..16]), $"approve/{agencyCode}");
        await hub.SendAsync(new ApproveRecord(childFileId, entryIndex, entry.LeafHash.ToHex(), new ActorRef(agencyCode, role),
            Convert.ToBase64String(approval.Signature.Span), clock.GetUtcNow()), messageId, cancellationToken);
        return messageId;
    }

    /// <summary>Checks a "record.approved" entry against the approving agency's public key.</summary>
    public static bool Verify(LedgerEntry approvalEntry, System.Security.Cryptography.ECDsa agencyPublicKey)
    {
        if (approvalEntry.EntryType != RecordApproval.EntryType) return false;
        var approval = RecordApproval.ParsePayload(approvalEntry.Payload.Span);
        return approval.AgencyCode == approvalEntry.AuthorAgencyCode && approval.Verify(agencyPublicKey);
    }
}
