using System.Security.Cryptography;
using System.Text;
using EscalationHub.Contracts.Messages;
using EscalationHub.Server.Ledger;
using EscalationHub.Domain.Concerns;
using EscalationHub.Domain.Children;
using EscalationHub.Server.Messaging;
using EscalationHub.Server.Store;
using Microsoft.EntityFrameworkCore;

namespace EscalationHub.Server.Concerns;

public sealed record RaisedConcern(Concern Concern, ChildFile ChildFile, bool Created);

public sealed class IdempotencyKeyReusedException(string key)
    : Exception($"idempotency key '{key}' was already used for a different concern");

/// <summary>The child's date of birth and names do not match the file held for the NHS number given
/// (<see cref="ChildIdentityMatch"/>): FAILED_PRECONDITION on field "child" over gRPC, a ConcernRefused on the bus.
/// The message says nothing of the identity held.</summary>
public sealed class ChildIdentityMismatchException()
    : Exception("the date of birth and name do not match the child file held for this NHS number; check them with the family, " +
        "or raise without an NHS number if it is not known")
{
    public const string Field = "child";
}

/// <summary>Records a concern with its first status and its message to the addressed agency in one transaction.
/// A repeated idempotency key returns the concern the first call created and adds nothing. Runs inside a
/// <see cref="HubUnitOfWork"/>, which also commits its ledger entry.</summary>
public sealed class RaiseConcernHandler(HubDbContext db, LedgerWriter ledger, OutboxSignal outbox, TimeProvider clock, ConcernDecisionRule decisionRule)
{
    public async Task<RaisedConcern> HandleAsync(RaiseConcern command, CancellationToken cancellationToken)
    {
        var requestHash = Hash(command);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await TryRaiseAsync(command, requestHash, cancellationToken);
            }
            catch (DbUpdateException) when (attempt < 3 && db.Database.CurrentTransaction is null)
            {
                // A concurrent call won a race on a unique key (the same idempotency key, or a first file for the
                // same child): start again, and find what it stored.
                db.ChangeTracker.Clear();
            }
        }
    }

    private async Task<RaisedConcern> TryRaiseAsync(RaiseConcern command, string requestHash, CancellationToken cancellationToken)
    {
        var existing = await FindAsync(command, requestHash, cancellationToken);
        if (existing is not null) return existing;

        var now = clock.GetUtcNow();
        // Inside a bus consumer the inbox's transaction is already open and commits the whole effect.
        await using var transaction = db.Database.CurrentTransaction is null ? await db.Database.BeginTransactionAsync(cancellationToken) : null;
        var childFile = await FindOrOpenChildFileAsync(command.Child, now, cancellationToken);
        var concernId = Guid.CreateVersion7(now);
        await ChildFileJoins.RecordAsync(db, ledger, childFile.Id, [command.RaisedBy.AgencyCode, command.AddressedToAgencyCode],
            "concern", concernId.ToString(), command.RaisedBy, now, cancellationToken);
        var concern = new Concern
        {
            Id = concernId,
            Reference = Identifiers.NewReference("CN"),
            ChildFileId = childFile.Id,
            // The child as this raiser gave it: what its replies and the addressed agency's message carry.
            ChildGivenName = command.Child.GivenName,
            ChildFamilyName = command.Child.FamilyName,
            RaisedByAgency = command.RaisedBy.AgencyCode,
            RaisedByRole = command.RaisedBy.Role,
            IdempotencyKey = command.IdempotencyKey,
            RequestHash = requestHash,
            AddressedToAgency = command.AddressedToAgencyCode,
            Category = command.Category,
            HarmLevel = command.HarmLevel,
            Details = command.Details,
            RaisedAt = now,
            DecisionDueAt = decisionRule.DueAt(now, command.HarmLevel.ToDomain()).Instant,
            Status = ConcernStatus.Received,
            LastSequence = 1,
        };
        db.Concerns.Add(concern);
        db.ConcernStatusChanges.Add(new ConcernStatusChange
        {
            ConcernId = concern.Id, Sequence = 1, Status = ConcernStatus.Received, At = now,
            ByAgency = command.RaisedBy.AgencyCode, ByRole = command.RaisedBy.Role,
        });
        db.Enqueue(Addresses.AgencyQueue(command.AddressedToAgencyCode), new ConcernRaised(
            concern.Id, concern.Reference, childFile.Id,
            command.Child with { NhsNumber = childFile.NhsNumber },
            command.RaisedBy, command.AddressedToAgencyCode, command.Category, command.HarmLevel, command.Details, now)
            { DecisionDueAt = concern.DecisionDueAt }, ConcernLifecycle.RaisedMessageId(concern.Id), now);
        ledger.Append(childFile.Id, concern.Id.ToString(), ConcernLedger.Raised, command.RaisedBy.AgencyCode, command.RaisedBy.Role,
            now, ConcernLedger.RaisedPayload(concern));

        await db.SaveChangesAsync(cancellationToken);
        if (transaction is not null)
        {
            await transaction.CommitAsync(cancellationToken);
            outbox.Committed.Notify();
        }
        return new RaisedConcern(concern, childFile, Created: true);
    }

    private async Task<RaisedConcern?> FindAsync(RaiseConcern command, string requestHash, CancellationToken cancellationToken)
    {
        var existing = await db.Concerns.AsNoTracking().SingleOrDefaultAsync(
            c => c.RaisedByAgency == command.RaisedBy.AgencyCode && c.IdempotencyKey == command.IdempotencyKey, cancellationToken);
        if (existing is null) return null;
        if (existing.RequestHash != requestHash) throw new IdempotencyKeyReusedException(command.IdempotencyKey);
        var childFile = await db.ChildFiles.AsNoTracking().SingleAsync(f => f.Id == existing.ChildFileId, cancellationToken);
        return new RaisedConcern(existing, childFile, Created: false);
    }

    /// <summary>The file held for the child's NHS number if the details given match it (<see cref="ChildIdentityMatch"/>:
    /// the same date of birth and one matching name), else a refusal that reveals nothing of the file; a new file
    /// when no file is held for the number, or no number is given.</summary>
    private async Task<ChildFile> FindOrOpenChildFileAsync(ChildDetails child, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (child.NhsNumber is not null)
        {
            var known = await db.ChildFiles.SingleOrDefaultAsync(f => f.NhsNumber == child.NhsNumber, cancellationToken);
            if (known is not null)
                return ChildIdentityMatch.Matches(
                    new ChildIdentity(known.GivenName, known.FamilyName, known.DateOfBirth),
                    new ChildIdentity(child.GivenName, child.FamilyName, child.DateOfBirth))
                    ? known
                    : throw new ChildIdentityMismatchException();
        }

        var file = new ChildFile
        {
            Id = Identifiers.NewReference("CF"),
            NhsNumber = child.NhsNumber,
            GivenName = child.GivenName,
            FamilyName = child.FamilyName,
            DateOfBirth = child.DateOfBirth,
            CreatedAt = now,
        };
        db.ChildFiles.Add(file);
        return file;
    }

    private static string Hash(RaiseConcern c)
    {
        var canonical = string.Join('\u001f', c.Child.NhsNumber, c.Child.GivenName, c.Child.FamilyName, c.Child.DateOfBirth.ToString("O"),
            c.RaisedBy.AgencyCode, c.RaisedBy.Role, c.AddressedToAgencyCode, c.Category, c.HarmLevel, c.Details);
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
    }
}
