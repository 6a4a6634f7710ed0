using EscalationHub.Ledger;

namespace EscalationHub.Server.Ledger;

/// <summary>An entry staged in a unit of work; <see cref="Sequence"/> is its leaf index once the unit has committed.</summary>
public sealed class StagedLedgerEntry(LedgerEntry entry)
{
    public LedgerEntry Entry { get; } = entry;

    public long? Sequence { get; internal set; }
}

/// <summary>
/// Stages ledger entries into the current unit of work (<see cref="HubUnitOfWork"/>): they are appended to the log,
/// hashed into the tree and covered by a signed tree head in the same transaction as the state change and outbox
/// messages of the command that staged them, or not at all. Scoped: one per command.
/// </summary>
public sealed class LedgerWriter(TimeProvider clock)
{
    private readonly List<StagedLedgerEntry> staged = [];

    internal bool InUnitOfWork { get; set; }

    /// <summary>Stages an entry whose payload is <paramref name="payload"/> as canonical JSON (<see cref="CanonicalJson"/>).
    /// Put in the payload what happened and no more identifying data than the child file needs (no names, NHS
    /// numbers or free text: hash free text if the record must be bound to it).</summary>
    public StagedLedgerEntry Append<TPayload>(string childFileId, string? caseId, string entryType, string authorAgency,
        string authorRole, DateTimeOffset occurredAt, TPayload payload) =>
        AppendBytes(childFileId, caseId, entryType, authorAgency, authorRole, occurredAt, CanonicalJson.Serialize(payload));

    /// <summary>Stages an entry with a payload already in its canonical form (e.g. <see cref="RecordApproval.ToPayloadBytes"/>).</summary>
    public StagedLedgerEntry AppendBytes(string childFileId, string? caseId, string entryType, string authorAgency,
        string authorRole, DateTimeOffset occurredAt, ReadOnlySpan<byte> payload)
    {
        if (!InUnitOfWork)
            throw new InvalidOperationException(
                "ledger entries are appended only inside a unit of work: run the command through HubUnitOfWork.ExecuteAsync");
        var entry = new StagedLedgerEntry(new LedgerEntry(childFileId, caseId, entryType, authorAgency, authorRole,
            occurredAt, clock.GetUtcNow(), payload));
        staged.Add(entry);
        return entry;
    }

    internal List<StagedLedgerEntry> TakeStaged()
    {
        var taken = staged.ToList();
        staged.Clear();
        return taken;
    }

    internal void Discard() => staged.Clear();
}
