namespace EscalationHub.Server.Ledger;

/// <summary>One entry of the joint child file as stored: its leaf index and canonical bytes (what the tree hashes),
/// plus copies of a few header fields so the hub can find a child file's entries by index. Never updated or deleted.</summary>
public sealed class LedgerEntryRecord
{
    /// <summary>The entry's leaf index in the log: 0, 1, 2... with no gaps.</summary>
    public long Sequence { get; init; }
    public required string ChildFileId { get; init; }
    public string? CaseId { get; init; }
    public required string EntryType { get; init; }
    public required string AuthorAgency { get; init; }
    public DateTimeOffset RecordedAt { get; init; }
    /// <summary>The canonical encoding of the entry (EscalationHub.Ledger README); the header columns above are copies.</summary>
    public required byte[] EntryBytes { get; init; }
}

/// <summary>The hash of one completed perfect subtree (level 0: a leaf), so appends and proofs read O(log n) rows.</summary>
public sealed class LedgerNodeRecord
{
    public int Level { get; init; }
    public long Idx { get; init; }
    public required byte[] Hash { get; init; }
}

/// <summary>A tree head the hub signed: one per committed append batch, so a verifier can narrow a fault to one batch.</summary>
public sealed class LedgerTreeHeadRecord
{
    public long TreeSize { get; init; }
    public required byte[] RootHash { get; init; }
    /// <summary>100 ns ticks since the Unix epoch, exactly as signed.</summary>
    public long TimestampTicks { get; init; }
    public required byte[] Signature { get; init; }
}

/// <summary>An agency's public key for record approvals (SubjectPublicKeyInfo, DER). Append-only: a new key is a new row.</summary>
public sealed class AgencyKeyRecord
{
    public required string AgencyCode { get; init; }
    /// <summary>SHA-256 of the DER SubjectPublicKeyInfo, hex.</summary>
    public required string KeyId { get; init; }
    public required byte[] PublicKey { get; init; }
    public DateTimeOffset RegisteredAt { get; init; }
}
