using System.Security.Cryptography;
using System.Text;
using EscalationHub.Contracts.Messages;

namespace EscalationHub.Server.Concerns;

/// <summary>
/// What a concern puts on the child's file. Payloads say what happened and no more identifying data than the file
/// needs: the child is the file itself, so no names or NHS numbers; free text (details, reasons) stays in the
/// agencies' systems and the entry carries its SHA-256, which binds the record to the text without disclosing it.
/// </summary>
internal static class ConcernLedger
{
    public const string Raised = "concern.raised";
    public const string Acknowledged = "concern.acknowledged";
    public const string Decided = "concern.decided";

    public static string For(ConcernStatus status) => status switch
    {
        ConcernStatus.Received => Raised,
        ConcernStatus.Acknowledged => Acknowledged,
        ConcernStatus.Decided => Decided,
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };

    public static object RaisedPayload(Concern concern) => new
    {
        concern.Reference,
        AddressedTo = concern.AddressedToAgency,
        concern.Category,
        concern.HarmLevel,
        DetailsSha256 = Sha256(concern.Details),
    };

    public static object StatusPayload(Concern concern, ConcernStatus status, ConcernDecision? decision, string? reason) => new
    {
        concern.Reference,
        Status = status,
        Decision = decision,
        ReasonSha256 = reason is null ? null : Sha256(reason),
    };

    private static string Sha256(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
