using System.Text.Json;
using EscalationHub.Ledger;
using EscalationHub.Server.Grpc;
using EscalationHub.Server.Operations;
using EscalationHub.Server.Store;
using Grpc.Core;
using Microsoft.EntityFrameworkCore;
using V1 = EscalationHub.Contracts.V1;

namespace EscalationHub.Server.Ledger;

/// <summary>Who reads: the agency (today from the request, later from its client certificate: the caller passes it),
/// the reader's role as given, and why (a <see cref="V1.ReadPurpose"/> code).</summary>
public sealed record ChildFileReader(string AgencyCode, string Role, string Purpose)
{
    public const string RoleNotStated = "not stated";
    public const int MaxRoleLength = 100;

    /// <summary>The reader part of a read request, validated: INVALID_ARGUMENT names <c>purpose</c> or <c>reader_role</c>.</summary>
    public static ChildFileReader From(string agencyCode, V1.ReadPurpose purpose, string? readerRole)
    {
        var errors = new FieldErrors();
        var code = PurposeCode(purpose);
        if (code is null) errors.Add("purpose", $"{(int)purpose} is not a ReadPurpose");
        var role = (readerRole ?? "").Trim();
        if (role.Length > MaxRoleLength) errors.Add("reader_role", $"must be at most {MaxRoleLength} characters");
        if (role.Length > 0 && EscalationHub.Domain.Text.TextRules.NameProblem(role) is { } problem) errors.Add("reader_role", problem);
        errors.ThrowIfAny();
        return new ChildFileReader(agencyCode, role.Length == 0 ? RoleNotStated : role, code!);
    }

    /// <summary>The purpose as recorded; an unset purpose is case work, the documented default.</summary>
    public static string? PurposeCode(V1.ReadPurpose purpose) => purpose switch
    {
        V1.ReadPurpose.Unspecified or V1.ReadPurpose.CaseWork => "case-work",
        V1.ReadPurpose.Assessment => "assessment",
        V1.ReadPurpose.StrategyDiscussion => "strategy-discussion",
        V1.ReadPurpose.Supervision => "supervision",
        V1.ReadPurpose.Replication => "replication",
        V1.ReadPurpose.QualityAssurance => "quality-assurance",
        _ => null,
    };
}

/// <summary>The payload of a "child-file.read" entry: what was read and why. No content of what was read: the call,
/// the purpose, the cases (opaque ids) and, for ledger reads, the last entry disclosed.</summary>
public sealed record ChildFileReadPayload(string Call, string Purpose, IReadOnlyList<string> Cases, long? DisclosedThrough);

/// <summary>
/// Every read of a child file or of a case on it is audited in the ledger: one "child-file.read" entry per child
/// file read, on that file, naming the reading agency and role, the call, the purpose and the cases. It is appended
/// through the group commit (<see cref="HubUnitOfWork"/>), before anything is returned: a read whose audit entry
/// cannot be committed is not answered. The entries are part of the file, so every agency holding it sees them (and
/// its replica verifies them); nobody else does. A refused read is not a read: it leaves no entry, only a warning
/// log and the counter escalationhub.reads.refused for operators (agency and call, no child's identity).
/// </summary>
public sealed class ChildFileReadAudit(HubUnitOfWork unitOfWork, LedgerWriter ledger, HubDbContext db, TimeProvider clock,
    ILogger<ChildFileReadAudit> logger)
{
    public const string EntryType = "child-file.read";

    /// <summary>Records that <paramref name="reader"/> read the given cases (or, with a null case, the whole file) of
    /// each child file, with one entry per file. Completes once the entries are committed.</summary>
    public Task RecordAsync(ChildFileReader reader, string call, IEnumerable<(string ChildFileId, string? CaseId)> reads,
        CancellationToken cancellationToken, long? disclosedThrough = null)
    {
        var byFile = reads.GroupBy(r => r.ChildFileId, StringComparer.Ordinal)
            .Select(g => (File: g.Key, Cases: g.Select(r => r.CaseId).OfType<string>().Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList()))
            .ToList();
        if (byFile.Count == 0) return Task.CompletedTask;
        return unitOfWork.ExecuteAsync(_ =>
        {
            var now = clock.GetUtcNow();
            foreach (var (file, cases) in byFile)
                ledger.Append(file, null, EntryType, reader.AgencyCode, reader.Role, now,
                    new ChildFileReadPayload(call, reader.Purpose, cases, disclosedThrough));
            return Task.CompletedTask;
        }, cancellationToken);
    }

    /// <summary>The last entry of the file an audited <paramref name="call"/> already disclosed to this reader (the same
    /// agency, role and purpose), or -1: so a person reading the file is audited even when the agency's replica has
    /// already fetched the same entries.</summary>
    public async Task<long> DisclosedThroughAsync(string childFileId, ChildFileReader reader, string call, CancellationToken cancellationToken)
    {
        var recent = await RecentReadsBy(db, childFileId, reader.AgencyCode).Take(200).ToListAsync(cancellationToken);
        foreach (var bytes in recent)
        {
            var entry = LedgerEntry.Parse(bytes);
            if (entry.AuthorRole == reader.Role && Decode(entry) is { DisclosedThrough: { } through } read && read.Call == call && read.Purpose == reader.Purpose)
                return through;
        }
        return -1;
    }

    /// <summary>An agency's audited reads of one file, newest first, through the (ChildFileId, Sequence) index: the cost
    /// follows the file, not the log.</summary>
    public static IQueryable<byte[]> RecentReadsBy(HubDbContext db, string childFileId, string agencyCode) =>
        db.LedgerEntries.AsNoTracking()
            .Where(e => e.ChildFileId == childFileId && e.EntryType == EntryType && e.AuthorAgency == agencyCode)
            .OrderByDescending(e => e.Sequence).Select(e => e.EntryBytes);

    /// <summary>A read refused to an agency that is not party: no entry (nothing was read), a warning for operators.</summary>
    public void Refused(string call, string agencyCode, string reason)
    {
        HubTelemetry.ReadsRefused.Add(1, new KeyValuePair<string, object?>("call", call), new KeyValuePair<string, object?>("agency", agencyCode));
        logger.LogWarning("Read refused: {Call} by agency {Agency}: {Reason}", call, agencyCode, reason);
    }

    public static ChildFileReadPayload? Decode(LedgerEntry entry)
    {
        if (entry.EntryType != EntryType) return null;
        try
        {
            return JsonSerializer.Deserialize<ChildFileReadPayload>(entry.Payload.Span, JsonSerializerOptions.Web);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

public static class ReadRefusals
{
    /// <summary>Runs an authorization step of a read; a refusal (PERMISSION_DENIED) is reported to operators as a
    /// refused read and rethrown unchanged.</summary>
    public static async Task<T> AuthorizeAsync<T>(this ChildFileReadAudit audit, string call, string agencyCode, Func<Task<T>> authorize)
    {
        try
        {
            return await authorize();
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.PermissionDenied)
        {
            audit.Refused(call, agencyCode, ex.Status.Detail);
            throw;
        }
        catch (Disagreements.NotAPartyException ex)
        {
            audit.Refused(call, agencyCode, ex.Message);
            throw;
        }
    }
}
