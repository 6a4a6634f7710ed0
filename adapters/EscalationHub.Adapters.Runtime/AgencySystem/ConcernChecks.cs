using EscalationHub.Contracts.Messages;
using EscalationHub.Domain.Identifiers;

namespace EscalationHub.Adapters.Runtime.AgencySystem;

/// <summary>The hub's rules for a new concern, checked at the adapter's edge so that an agency system's bad input is
/// answered in its own format (HL7 NAK, OperationOutcome, problem details) and never reaches the hub. The caller
/// names each part as its format calls it (e.g. "PID-3" or "child.nhsNumber").</summary>
public static class ConcernChecks
{
    public const int MaxDetailsLength = 8000;
    public const int MaxNameLength = 100;
    public const int MaxKeyLength = 100;

    /// <returns>The NHS number as ten digits, null when absent or invalid (then <paramref name="report"/> was called).</returns>
    public static string? NhsNumberOrNull(string? text, Action<string> report)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        if (NhsNumber.TryParse(text, out var parsed, out var why)) return parsed.Value;
        report($"NHS number {why}");
        return null;
    }

    public static void Name(string? value, Action<string> report)
    {
        if (string.IsNullOrWhiteSpace(value)) report("is required");
        else if (value.Trim().Length > MaxNameLength) report($"must be at most {MaxNameLength} characters");
    }

    public static void DateOfBirth(DateOnly? value, DateTimeOffset now, Action<string> report)
    {
        if (value is null || value.Value.Year < 1900) report("is required: a valid date since 1900");
        else if (value.Value > DateOnly.FromDateTime(now.UtcDateTime.AddDays(1))) report("is in the future");
    }

    public static void Details(string? value, Action<string> report)
    {
        if (string.IsNullOrWhiteSpace(value)) report("is required");
        else if (value.Length > MaxDetailsLength) report($"must be at most {MaxDetailsLength} characters (got {value.Length})");
    }

    public static void Key(string? value, Action<string> report)
    {
        if (string.IsNullOrWhiteSpace(value)) report("is required");
        else if (value.Length > MaxKeyLength) report($"must be at most {MaxKeyLength} characters");
    }

    public static ChildDetails Child(string? nhsNumber, string givenName, string familyName, DateOnly dateOfBirth) =>
        new(nhsNumber, givenName.Trim(), familyName.Trim(), dateOfBirth);
}
