using System.Security.Cryptography;
using EscalationHub.Contracts.Messages;
using EscalationHub.Ledger;
using EscalationHub.Messaging;
using EscalationHub.Server.Store;
using Microsoft.EntityFrameworkCore;

namespace EscalationHub.Server.Ledger;

/// <summary>"Signed by both parties": records an agency's signature over a ledger entry's hash as a
/// "record.approved" entry on the same child file, after checking it against the agency's registered key.
/// Anyone holding the file and the agency's public key can check the approval again.</summary>
public sealed class ApproveRecordHandler(HubDbContext db, LedgerWriter ledger)
{
    public async Task<StagedLedgerEntry> HandleAsync(ApproveRecord command, CancellationToken cancellationToken)
    {
        var agency = command.ApprovedBy?.AgencyCode ?? throw new RefusedMessageException("ApproveRecord without approved_by");
        var entry = await db.LedgerEntries.AsNoTracking().SingleOrDefaultAsync(e => e.Sequence == command.EntryIndex, cancellationToken);
        if (entry is null || entry.ChildFileId != command.ChildFileId)
            throw new RefusedMessageException($"child file {command.ChildFileId} has no entry #{command.EntryIndex}");
        var leafHash = TreeHasher.HashLeaf(entry.EntryBytes);
        if (!string.Equals(leafHash.ToHex(), command.LeafHashHex, StringComparison.OrdinalIgnoreCase))
            throw new RefusedMessageException($"entry #{command.EntryIndex} does not have the hash {command.LeafHashHex}: the approval is for another record");
        if (!await ChildFileParties.IsPartyAsync(db, command.ChildFileId, agency, cancellationToken))
            throw new RefusedMessageException($"agency '{agency}' is not party to child file {command.ChildFileId}");

        byte[] signature;
        try { signature = Convert.FromBase64String(command.SignatureBase64); }
        catch (FormatException) { throw new RefusedMessageException("signature_base64 is not base64"); }
        var approval = new RecordApproval(leafHash, agency, signature);
        var keys = await db.AgencyKeys.AsNoTracking().Where(k => k.AgencyCode == agency).Select(k => k.PublicKey).ToListAsync(cancellationToken);
        if (!keys.Any(k => Verifies(approval, k)))
            throw new RefusedMessageException($"the approval of entry #{command.EntryIndex} is not signed by a key registered for '{agency}'");

        return ledger.AppendBytes(command.ChildFileId, entry.CaseId, RecordApproval.EntryType, agency, command.ApprovedBy.Role,
            command.ApprovedAt, approval.ToPayloadBytes());
    }

    private static bool Verifies(RecordApproval approval, byte[] subjectPublicKeyInfo)
    {
        using var key = LedgerKeys.ImportSubjectPublicKeyInfo(subjectPublicKeyInfo);
        return approval.Verify(key);
    }
}

/// <summary>Records an agency's approval key (append-only; a key already held changes nothing). Until client
/// certificates bind a message to its agency (security issue), the hub trusts the agency code in the message.</summary>
public sealed class RegisterAgencyKeyHandler(HubDbContext db, Agencies.AgencyDirectory agencies, TimeProvider clock)
{
    public async Task HandleAsync(RegisterAgencyKey command, CancellationToken cancellationToken)
    {
        if (agencies.Find(command.AgencyCode) is null)
            throw new RefusedMessageException($"RegisterAgencyKey from unknown agency '{command.AgencyCode}'");
        ECDsa key;
        try { key = LedgerKeys.ImportPublicKeyPem(command.PublicKeyPem); }
        catch (ArgumentException ex) { throw new RefusedMessageException($"RegisterAgencyKey: {ex.Message}"); }
        using (key)
        {
            var keyId = LedgerKeys.KeyId(key).ToHex();
            if (await db.AgencyKeys.AnyAsync(k => k.AgencyCode == command.AgencyCode && k.KeyId == keyId, cancellationToken)) return;
            db.AgencyKeys.Add(new AgencyKeyRecord
            {
                AgencyCode = command.AgencyCode, KeyId = keyId, PublicKey = LedgerKeys.ExportSubjectPublicKeyInfo(key), RegisteredAt = clock.GetUtcNow(),
            });
        }
    }
}
