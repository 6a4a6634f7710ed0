namespace EscalationHub.Domain.Text;

/// <summary>
/// What text the hub accepts, one rule for every field of every request and bus command. Names, codes and roles
/// refuse every control character (C0, DEL, C1) and bidirectional control, and must show at least one visible
/// character; free text (details, summaries, notes) may also run over lines and use tabs. A bidirectional override can
/// make a record read differently from what was stored ("Smith" shown for "htimS"), an escape can rewrite a terminal
/// or a log line, and a name of zero-width spaces is no name.
/// </summary>
public static class TextRules
{
    /// <summary>Why a name, code or role is refused; null when it is acceptable (the caller checks required and length).</summary>
    public static string? NameProblem(string value)
    {
        if (FirstRefused(value, allowLineBreaksAndTabs: false) is { } problem) return problem;
        return value.Any(IsVisible) ? null : "must contain a visible character (not only spaces or zero-width characters)";
    }

    /// <summary>Why free text is refused; null when it is acceptable. Tab, CR and LF are allowed.</summary>
    public static string? FreeTextProblem(string value)
    {
        if (FirstRefused(value, allowLineBreaksAndTabs: true) is { } problem) return problem;
        return value.Any(IsVisible) ? null : "must contain a visible character (not only spaces or zero-width characters)";
    }

    public static bool IsBidirectionalControl(char c) =>
        c is '\u061C' or '\u200E' or '\u200F' or (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069');

    /// <summary>Zero-width characters: allowed inside text (some scripts need joiners) but not visible on their own.</summary>
    public static bool IsZeroWidth(char c) => c is (>= '\u200B' and <= '\u200D') or '\u2060' or '\uFEFF';

    private static bool IsVisible(char c) => !char.IsWhiteSpace(c) && !IsZeroWidth(c) && !char.IsControl(c) && !IsBidirectionalControl(c);

    private static string? FirstRefused(string value, bool allowLineBreaksAndTabs)
    {
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (allowLineBreaksAndTabs && c is '\t' or '\r' or '\n') continue;
            // char.IsControl is exactly C0 (U+0000..U+001F), DEL (U+007F) and C1 (U+0080..U+009F).
            if (char.IsControl(c)) return $"must not contain control characters (U+{(int)c:X4} at position {i + 1})";
            if (IsBidirectionalControl(c)) return $"must not contain bidirectional controls (U+{(int)c:X4} at position {i + 1})";
        }
        return null;
    }
}
