namespace EscalationHub.Ledger;

/// <summary>
/// One stored ledger row as the verifier reads it. <see cref="Sequence"/> is the entry's leaf
/// index (0-based). Give the entry bytes when you hold the entry, with the leaf hash the store
/// recorded for it if there is one; give only the leaf hash for entries you hold as hashes
/// (for example another child's entries in an agency replica).
/// </summary>
public readonly record struct LedgerRow(long Sequence, ReadOnlyMemory<byte>? EntryBytes, MerkleHash? RecordedLeafHash)
{
    public static LedgerRow ForEntry(long sequence, ReadOnlyMemory<byte> entryBytes, MerkleHash? recordedLeafHash = null) =>
        new(sequence, entryBytes, recordedLeafHash);

    public static LedgerRow ForLeafHash(long sequence, MerkleHash leafHash) => new(sequence, null, leafHash);
}

public enum LedgerFaultKind
{
    /// <summary>The expected tree head is not signed by the hub's key.</summary>
    InvalidSignature,

    /// <summary>A checkpoint tree head is not signed by the hub's key.</summary>
    InvalidCheckpoint,

    /// <summary>A row has neither entry bytes nor a leaf hash.</summary>
    MalformedRow,

    /// <summary>The entry bytes do not hash to the leaf hash recorded with them: the entry was edited.</summary>
    HashMismatch,

    /// <summary>The row for this sequence number is absent: a later one stands in its place.</summary>
    MissingEntry,

    /// <summary>An earlier or repeated sequence number stands where this one belongs.</summary>
    OutOfOrder,

    /// <summary>The rows end before the tree head's size.</summary>
    Truncated,

    /// <summary>Every row looks right on its own but the tree does not reach the signed root: rows were changed together with their hashes, replaced or reordered.</summary>
    RootMismatch,
}

/// <summary>
/// The first thing wrong with a log. <see cref="Sequence"/> is the first bad entry; for a root
/// mismatch it is the first entry of the window the divergence must lie in, and
/// <see cref="LastSequence"/> the last (they are equal when checkpoints pin it down exactly).
/// </summary>
public sealed record LedgerFault(LedgerFaultKind Kind, long? Sequence, long? LastSequence, string Reason)
{
    /// <summary>One line for a CLI, e.g. "first bad entry: #1234 (payload does not match its recorded hash)".</summary>
    public override string ToString() => (Sequence, LastSequence) switch
    {
        (null, _) => Reason,
        ({ } first, { } last) when last > first => $"first bad entry: between #{first} and #{last} ({Reason})",
        ({ } first, _) => $"first bad entry: #{first} ({Reason})",
    };
}

public sealed record LedgerVerificationProgress(long EntriesVerified, long TotalEntries)
{
    public double Fraction => TotalEntries == 0 ? 1 : (double)EntriesVerified / TotalEntries;
}

/// <summary>
/// The outcome of one verification pass. <see cref="ComputedRoot"/> is the root the rows hash to
/// when the pass got as far as comparing roots, otherwise null.
/// </summary>
public sealed record LedgerVerificationResult(long TreeSize, long EntriesVerified, MerkleHash? ComputedRoot, LedgerFault? FirstFault)
{
    public bool IsValid => FirstFault is null;

    /// <summary>One line for a CLI.</summary>
    public override string ToString() => FirstFault is { } fault
        ? fault.ToString()
        : $"verified {EntriesVerified} entries: root {ComputedRoot} matches the signed tree head";
}

public sealed record LedgerVerificationOptions
{
    /// <summary>
    /// Earlier signed tree heads in ascending size order, read lazily alongside the rows. Each one
    /// the stream passes is checked, so a root mismatch is narrowed to the entries after the last
    /// good checkpoint; with a head per append it names the exact entry.
    /// </summary>
    public IEnumerable<SignedTreeHead> Checkpoints { get; init; } = [];

    /// <summary>Called every <see cref="ProgressInterval"/> entries and once at the end, on the verifying thread.</summary>
    public Action<LedgerVerificationProgress>? Progress { get; init; }

    public long ProgressInterval { get; init; } = 10_000;
}
