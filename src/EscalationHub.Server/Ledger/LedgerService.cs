using EscalationHub.Ledger;
using EscalationHub.Security;
using EscalationHub.Server.Agencies;
using EscalationHub.Server.Clock;
using EscalationHub.Server.Security;
using EscalationHub.Server.Grpc;
using EscalationHub.Server.Store;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.EntityFrameworkCore;
using V1 = EscalationHub.Contracts.V1;

namespace EscalationHub.Server.Ledger;

/// <summary>The gRPC side of the ledger: child files for their parties, signed tree heads and proofs for anyone.
/// Reads only: proofs come from the stored subtree hashes (O(log n) rows), never from rehashing the log.</summary>
[BindServiceMethod(typeof(Grpc.LedgerBinding), nameof(Grpc.LedgerBinding.BindService))]
public sealed class LedgerService(HubDbContext db, HubSigningKey signingKey, AgencyDirectory agencies, ChildFileReadAudit audit,
    [FromKeyedServices(TrustedTime.Key)] TimeProvider trustedClock)
    : V1.Ledger.LedgerBase
{
    public override async Task<V1.ChildFileRecord> GetChildFile(V1.GetChildFileRequest request, ServerCallContext context)
    {
        var errors = new FieldErrors();
        errors.Required("child_file_id", request.ChildFileId, LedgerEntry.MaxIdLength);
        errors.Required("agency_code", request.AgencyCode, LedgerEntry.MaxAgencyCodeLength);
        if (!string.IsNullOrWhiteSpace(request.AgencyCode) && agencies.Find(request.AgencyCode) is null)
            errors.Add("agency_code", $"'{request.AgencyCode}' is not a registered agency");
        if (request.FromIndex < 0) errors.Add("from_index", "must not be negative");
        errors.ThrowIfAny();
        const string call = "Ledger/GetChildFile";
        var reader = ChildFileReader.From(request.AgencyCode, request.Purpose, request.ReaderRole);
        RequireReplicationIdentityForReplication(request.Purpose, context);

        var ct = context.CancellationToken;
        await RequirePartyAsync(call, request.ChildFileId, request.AgencyCode, ct);

        // The head first: every entry below its size is committed, so it covers everything returned.
        var head = await LatestHeadAsync(ct);
        var rows = await db.LedgerEntries.AsNoTracking()
            .Where(e => e.ChildFileId == request.ChildFileId && e.Sequence >= request.FromIndex && e.Sequence < head.TreeSize)
            .OrderBy(e => e.Sequence)
            .Select(e => new { e.Sequence, e.EntryBytes, e.EntryType, e.CaseId, e.AuthorAgency, e.RecordedAt })
            .ToListAsync(ct);
        // Entries recorded before this agency joined the file: metadata only, or in full for a stated purpose.
        var earlier = await ChildFileJoins.EarlierEntriesAsync(db, request.ChildFileId, request.AgencyCode, request.Purpose, ct);
        // Every read is audited, whatever it returns (a repeat, nothing new, from_index past the end): coalesced per
        // reader, role and purpose, so a read that discloses earlier entries is on the record with its purpose.
        await audit.RecordAsync(reader, call, [(request.ChildFileId, null)], ct);
        var reply = new V1.ChildFileRecord { ChildFileId = request.ChildFileId, TreeHead = ToProto(head) };
        foreach (var row in rows)
        {
            var withheld = earlier.Withheld && row.Sequence < earlier.Before;
            reply.Entries.Add(new V1.LedgerEntry
            {
                Index = row.Sequence,
                CanonicalBytes = withheld ? ByteString.Empty : ByteString.CopyFrom(row.EntryBytes),
                LeafHash = ByteString.CopyFrom(TreeHasher.HashLeaf(row.EntryBytes).Span),
                EntryType = row.EntryType,
                CaseId = withheld ? "" : row.CaseId ?? "",
                AuthorAgencyCode = row.AuthorAgency,
                RecordedAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(row.RecordedAt),
                DetailsWithheld = withheld,
            });
        }
        return reply;
    }

    public override async Task<V1.ChildFileReads> ListChildFileReads(V1.ListChildFileReadsRequest request, ServerCallContext context)
    {
        var errors = new FieldErrors();
        errors.Required("child_file_id", request.ChildFileId, LedgerEntry.MaxIdLength);
        errors.Required("agency_code", request.AgencyCode, LedgerEntry.MaxAgencyCodeLength);
        if (!string.IsNullOrWhiteSpace(request.AgencyCode) && agencies.Find(request.AgencyCode) is null)
            errors.Add("agency_code", $"'{request.AgencyCode}' is not a registered agency");
        errors.ThrowIfAny();
        const string call = "Ledger/ListChildFileReads";
        var reader = ChildFileReader.From(request.AgencyCode, request.Purpose, request.ReaderRole);

        var ct = context.CancellationToken;
        await RequirePartyAsync(call, request.ChildFileId, request.AgencyCode, ct);
        var rows = await ChildFileReadAudit.EntriesOf(db, request.ChildFileId).Select(e => new { e.Sequence, e.EntryBytes }).ToListAsync(ct);
        var reply = new V1.ChildFileReads { ChildFileId = request.ChildFileId };
        var earlier = await ChildFileJoins.EarlierEntriesAsync(db, request.ChildFileId, request.AgencyCode, request.Purpose, ct);
        foreach (var row in rows)
        {
            var entry = LedgerEntry.Parse(row.EntryBytes);
            if (ChildFileReadAudit.Decode(entry) is not { } read) continue;
            if (earlier.Withheld && row.Sequence < earlier.Before)
            {
                // A read from before this agency joined: who and when, not what or why (see ChildFileJoins).
                reply.Reads.Add(new V1.ChildFileRead
                {
                    Index = row.Sequence, ReaderAgencyCode = entry.AuthorAgencyCode,
                    ReadAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(entry.RecordedAt),
                });
                continue;
            }
            reply.Reads.Add(new V1.ChildFileRead
            {
                Index = row.Sequence,
                ReaderAgencyCode = entry.AuthorAgencyCode,
                ReaderRole = entry.AuthorRole,
                Call = read.Call,
                Purpose = read.Purpose,
                CaseIds = { read.Cases },
                ReadAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(entry.RecordedAt),
                ReadCount = read.Reads ?? 1,
                FirstReadAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(read.FirstReadAt ?? entry.RecordedAt),
                LastReadAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(read.LastReadAt ?? entry.RecordedAt),
            });
        }
        // The trail tells who holds the file: listing it is a read too (recorded after, so not in this answer).
        await audit.RecordAsync(reader, call, [(request.ChildFileId, null)], ct);
        return reply;
    }

    /// <summary>A file that does not exist and a file the agency is not party to get the same answer, so the answer
    /// never tells whether an id exists.</summary>
    private async Task RequirePartyAsync(string call, string childFileId, string agencyCode, CancellationToken ct)
    {
        if (await ChildFileParties.IsPartyAsync(db, childFileId, agencyCode, ct)) return;
        var reason = ChildFileParties.NotFound(childFileId, agencyCode);
        audit.Refused(call, agencyCode, reason);
        throw new RpcException(new Status(StatusCode.NotFound, reason));
    }

    /// <summary>Purpose REPLICATION only from the agency's replication identity, and that identity only for it: an
    /// ordinary agency certificate cannot pass its reads off as machine replication, and a replica's certificate
    /// cannot read as a person.</summary>
    private static void RequireReplicationIdentityForReplication(V1.ReadPurpose purpose, ServerCallContext context)
    {
        var replica = context.Caller()?.Role == CallerRole.Replica;
        if (purpose == V1.ReadPurpose.Replication && !replica)
            throw new RpcException(new Status(StatusCode.PermissionDenied,
                "purpose: REPLICATION is read only with the agency's replication identity (urn:escalationhub:replica:<code>)"));
        if (replica && purpose != V1.ReadPurpose.Replication)
            throw new RpcException(new Status(StatusCode.PermissionDenied, "purpose: a replication identity reads only with purpose REPLICATION"));
    }

    public override async Task<V1.SignedTreeHead> GetLatestTreeHead(V1.GetLatestTreeHeadRequest request, ServerCallContext context) =>
        ToProto(await LatestHeadAsync(context.CancellationToken));

    public override async Task<V1.InclusionProof> GetInclusionProof(V1.GetInclusionProofRequest request, ServerCallContext context)
    {
        var errors = new FieldErrors();
        if (request.TreeSize <= 0) errors.Add("tree_size", "must be at least 1");
        if (request.EntryIndex < 0) errors.Add("entry_index", "must not be negative");
        else if (request.TreeSize > 0 && request.EntryIndex >= request.TreeSize) errors.Add("entry_index", $"must be less than tree_size ({request.TreeSize})");
        errors.ThrowIfAny();
        return await WithLogAsync(request.TreeSize, "tree_size", context.CancellationToken, async log =>
        {
            var proof = await log.GetInclusionProofAsync(request.EntryIndex, request.TreeSize, context.CancellationToken);
            var reply = new V1.InclusionProof { EntryIndex = proof.LeafIndex, TreeSize = proof.TreeSize };
            reply.Path.AddRange(proof.Path.Select(h => ByteString.CopyFrom(h.Span)));
            return reply;
        });
    }

    public override async Task<V1.ConsistencyProof> GetConsistencyProof(V1.GetConsistencyProofRequest request, ServerCallContext context)
    {
        var errors = new FieldErrors();
        if (request.FirstSize < 0) errors.Add("first_size", "must not be negative");
        if (request.SecondSize < request.FirstSize) errors.Add("second_size", $"must be at least first_size ({request.FirstSize})");
        errors.ThrowIfAny();
        return await WithLogAsync(request.SecondSize, "second_size", context.CancellationToken, async log =>
        {
            var proof = await log.GetConsistencyProofAsync(request.FirstSize, request.SecondSize, context.CancellationToken);
            var reply = new V1.ConsistencyProof { FirstSize = proof.FirstSize, SecondSize = proof.SecondSize };
            reply.Path.AddRange(proof.Path.Select(h => ByteString.CopyFrom(h.Span)));
            return reply;
        });
    }

    public override Task<V1.PublicKey> GetHubPublicKey(V1.GetHubPublicKeyRequest request, ServerCallContext context) =>
        Task.FromResult(new V1.PublicKey { PublicKeyPem = signingKey.PublicKeyPem, KeyId = ByteString.CopyFrom(signingKey.KeyId.Span) });

    public override async Task<V1.AgencyKeys> GetAgencyKeys(V1.GetAgencyKeysRequest request, ServerCallContext context)
    {
        var errors = new FieldErrors();
        errors.Required("agency_code", request.AgencyCode, LedgerEntry.MaxAgencyCodeLength);
        errors.ThrowIfAny();
        var keys = await db.AgencyKeys.AsNoTracking().Where(k => k.AgencyCode == request.AgencyCode)
            .OrderBy(k => k.RegisteredAt).ToListAsync(context.CancellationToken);
        var reply = new V1.AgencyKeys { AgencyCode = request.AgencyCode };
        foreach (var key in keys)
        {
            using var imported = LedgerKeys.ImportSubjectPublicKeyInfo(key.PublicKey);
            reply.Keys.Add(new V1.PublicKey { PublicKeyPem = LedgerKeys.ExportPublicKeyPem(imported), KeyId = ByteString.CopyFrom(Convert.FromHexString(key.KeyId)) });
        }
        return reply;
    }

    private async Task<SignedTreeHead> LatestHeadAsync(CancellationToken ct)
    {
        var record = await db.LedgerTreeHeads.AsNoTracking().OrderByDescending(h => h.TreeSize).FirstOrDefaultAsync(ct);
        // Nothing appended yet: a fresh head for the empty tree.
        return record is null ? new TreeHeadSigner(signingKey.Key, trustedClock).Sign(0, TreeHasher.EmptyRoot) : LedgerTreeHeads.FromRecord(record);
    }

    private async Task<T> WithLogAsync<T>(long size, string sizeField, CancellationToken ct, Func<MerkleLog, Task<T>> read)
    {
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            var connection = db.Database.GetDbConnection();
            using var store = new LedgerNodeStore(connection);
            var log = new MerkleLog(store);
            var current = await log.GetSizeAsync(ct);
            if (size > current)
                throw FieldErrors.Single(StatusCode.OutOfRange, sizeField, $"the log has only {current} entries");
            return await read(log);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    internal static V1.SignedTreeHead ToProto(SignedTreeHead head) => new()
    {
        TreeSize = head.TreeSize,
        RootHash = ByteString.CopyFrom(head.RootHash.Span),
        TimestampTicks = head.Timestamp.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks,
        Signature = ByteString.CopyFrom(head.Signature.Span),
    };
}

public static class LedgerTreeHeads
{
    public static SignedTreeHead FromRecord(LedgerTreeHeadRecord record) =>
        new(record.TreeSize, MerkleHash.FromBytes(record.RootHash),
            new DateTimeOffset(DateTimeOffset.UnixEpoch.UtcTicks + record.TimestampTicks, TimeSpan.Zero), record.Signature);
}
