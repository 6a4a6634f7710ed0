using System.Text.Json;
using EscalationHub.Ledger;
using EscalationHub.Server.Grpc;
using EscalationHub.Server.Operations;
using EscalationHub.Server.Store;
using Microsoft.EntityFrameworkCore;
using Grpc.Core;
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
/// the purpose, the cases (opaque ids), how many reads the entry covers and the first and last of them (entries are
/// coalesced, see <see cref="ReadAuditWindows"/>). Entries written before coalescing have no count (one read) and
/// may name the last entry a ledger read disclosed.</summary>
public sealed record ChildFileReadPayload(string Call, string Purpose, IReadOnlyList<string> Cases, long? DisclosedThrough = null,
    int? Reads = null, DateTimeOffset? FirstReadAt = null, DateTimeOffset? LastReadAt = null);

/// <summary>
/// Every read of a child file or of a case on it is audited in the ledger, with no exception: "child-file.read"
/// entries on that file naming the reading agency and role, the call, the purpose, the cases and how many reads they
/// cover. <see cref="RecordAsync"/> is the one place every kind of read goes through; <see cref="ReadAuditWindows"/>
/// coalesces repeated reads (one entry per agency, role, purpose and call per window, with the count) so that no party
/// can grow a file without bound. A read is answered only once an entry covering it in its window has committed
/// through the group commit (<see cref="HubUnitOfWork"/>): a read whose audit cannot be committed is not answered.
/// The entries are part of the file, so every agency holding it sees them (and its replica verifies them); nobody
/// else does. A refused read is not a read: it leaves no entry, only a warning log and the counter
/// escalationhub.reads.refused for operators (agency and call, no child's identity).
/// </summary>
public sealed class ChildFileReadAudit(HubUnitOfWork unitOfWork, LedgerWriter ledger, ReadAuditWindows windows, TimeProvider clock,
    ILogger<ChildFileReadAudit> logger)
{
    public const string EntryType = "child-file.read";

    /// <summary>Records that <paramref name="reader"/> read the given cases (or, with a null case, the whole file) of
    /// each child file. Completes once an entry covering the read of each file is committed.</summary>
    public async Task RecordAsync(ChildFileReader reader, string call, IEnumerable<(string ChildFileId, string? CaseId)> reads,
        CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var admissions = reads.GroupBy(r => r.ChildFileId, StringComparer.Ordinal)
            .Select(g => windows.Admit(new ReadKey(g.Key, reader.AgencyCode, reader.Role, reader.Purpose, call),
                g.Select(r => r.CaseId).OfType<string>().Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList(), now))
            .ToList();
        var writes = admissions.Where(a => a.Tally is not null).ToList();
        if (writes.Count > 0)
        {
            try
            {
                await unitOfWork.ExecuteAsync(_ =>
                {
                    foreach (var write in writes) Stage(ledger, write.Tally!, now);
                    return Task.CompletedTask;
                }, cancellationToken);
            }
            catch (Exception ex)
            {
                foreach (var write in writes) windows.Completed(write, ex);
                throw;
            }
            foreach (var write in writes) windows.Completed(write, null);
        }
        foreach (var admission in admissions) await windows.CoveredAsync(admission);
    }

    /// <summary>Stages one audit entry for a tally of reads (in a unit of work).</summary>
    internal static void Stage(LedgerWriter ledger, ReadTally tally, DateTimeOffset now)
    {
        var key = tally.Key;
        ledger.Append(key.ChildFileId, null, EntryType, key.AgencyCode, key.Role, now,
            new ChildFileReadPayload(key.Call, key.Purpose, tally.Cases, null, tally.Reads, tally.FirstReadAt, tally.LastReadAt));
    }

    /// <summary>A file's audit entries, oldest first, through the (ChildFileId, Sequence) index: the cost follows the
    /// file, not the log.</summary>
    public static IQueryable<LedgerEntryRecord> EntriesOf(HubDbContext db, string childFileId) =>
        db.LedgerEntries.AsNoTracking().Where(e => e.ChildFileId == childFileId && e.EntryType == EntryType).OrderBy(e => e.Sequence);

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
    /// <summary>Runs an authorization step of a read; a refusal (NOT_FOUND or PERMISSION_DENIED) is reported to operators as a
    /// refused read and rethrown unchanged.</summary>
    public static async Task<T> AuthorizeAsync<T>(this ChildFileReadAudit audit, string call, string agencyCode, Func<Task<T>> authorize)
    {
        try
        {
            return await authorize();
        }
        catch (RpcException ex) when (ex.StatusCode is StatusCode.PermissionDenied or StatusCode.NotFound)
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
