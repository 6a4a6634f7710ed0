namespace EscalationHub.Contracts.Messages;

// Bus messages of the shared ledger (the joint child file). Hashes and keys travel as lower-case hex / PEM text.

/// <summary>Adapter to the hub: the agency's record-approval public key ("PUBLIC KEY" PEM, ECDSA P-256). The hub
/// keeps every key an agency registers (append-only); a key already registered changes nothing.</summary>
public record RegisterAgencyKey(string AgencyCode, string PublicKeyPem, DateTimeOffset GeneratedAt);

/// <summary>Adapter to the hub: the agency approves (signs) the ledger entry at <paramref name="EntryIndex"/> whose
/// leaf hash is <paramref name="LeafHashHex"/> ("signed by both parties"). <paramref name="SignatureBase64"/> is the
/// agency key's signature over the RecordApproval v1 to-be-signed bytes. The hub checks it against the agency's
/// registered key and records a "record.approved" ledger entry on the same child file.</summary>
public record ApproveRecord(
    string ChildFileId,
    long EntryIndex,
    string LeafHashHex,
    ActorRef ApprovedBy,
    string SignatureBase64,
    DateTimeOffset ApprovedAt);

/// <summary>Adapter to the hub (an operator event): the agency's replica found the hub's log inconsistent with what it
/// had verified before, or an entry that does not prove into a signed head. Never carries entry contents.</summary>
public record LedgerMismatchDetected(
    string AgencyCode,
    string? ChildFileId,
    string Kind,
    string Detail,
    long? TrustedTreeSize,
    long? OfferedTreeSize,
    DateTimeOffset DetectedAt);
