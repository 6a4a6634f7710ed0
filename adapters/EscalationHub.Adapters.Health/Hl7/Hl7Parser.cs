namespace EscalationHub.Adapters.Health.Hl7;

/// <summary>Where a problem is in a message, as ERR-2 names it: segment id, its occurrence, field, repetition,
/// component (0 when not applicable).</summary>
public sealed record Hl7Location(string Segment, int Occurrence = 1, int Field = 0, int Repetition = 0, int Component = 0)
{
    /// <summary>e.g. "PID-3", "PID-3(2).4", "MSH-9".</summary>
    public override string ToString() =>
        Field == 0 ? Segment : $"{Segment}-{Field}{(Repetition > 1 ? $"({Repetition})" : "")}{(Component > 0 ? $".{Component}" : "")}";
}

/// <summary>The message cannot be read as HL7 v2 at all (answered AR: rejected).</summary>
public sealed class Hl7ParseException(Hl7Location location, string message) : Exception($"{location}: {message}")
{
    public Hl7Location Location { get; } = location;
    public string Reason { get; } = message;
}

public static class Hl7Parser
{
    /// <summary>Reads a message. Segments end with CR as the standard says, but LF and CRLF are accepted too (files and
    /// some interface engines); blank lines are skipped; trailing delimiters and Z-segments are kept as sent.</summary>
    public static Hl7Message Parse(string text)
    {
        var lines = text.TrimStart('\uFEFF', ' ', '\t', '\r', '\n')
            .Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries)
            .Where(l => l.Trim().Length > 0)
            .ToList();
        if (lines.Count == 0 || !lines[0].StartsWith("MSH", StringComparison.Ordinal))
            throw new Hl7ParseException(new Hl7Location("MSH"), "the message must start with an MSH segment");

        var header = lines[0];
        if (header.Length < 8)
            throw new Hl7ParseException(new Hl7Location("MSH", 1, 2), "MSH must declare the field separator and four encoding characters");
        var fieldSeparator = header[3];
        var end = header.IndexOf(fieldSeparator, 4);
        var declared = end < 0 ? header[4..] : header[4..end];
        if (declared.Length < 4)
            throw new Hl7ParseException(new Hl7Location("MSH", 1, 2), $"encoding characters \"{declared}\" must be four (component, repetition, escape, subcomponent)");
        var encoding = new Hl7Encoding(fieldSeparator, declared[0], declared[1], declared[2], declared[3]);
        var delimiters = new[] { encoding.Field, encoding.Component, encoding.Repetition, encoding.Escape, encoding.Subcomponent };
        if (delimiters.Distinct().Count() != delimiters.Length || delimiters.Any(char.IsLetterOrDigit))
            throw new Hl7ParseException(new Hl7Location("MSH", 1, 2), "the delimiters must be five different non-alphanumeric characters");

        var segments = new List<Hl7Segment>(lines.Count);
        var occurrences = new Dictionary<string, int>();
        foreach (var line in lines)
        {
            var fields = line.Split(fieldSeparator);
            var id = fields[0];
            if (id.Length != 3 || !id.All(c => char.IsAsciiLetterUpper(c) || char.IsAsciiDigit(c)) || !char.IsAsciiLetterUpper(id[0]))
                throw new Hl7ParseException(new Hl7Location(id.Length is > 0 and <= 3 ? id : "???", segments.Count + 1),
                    $"segment {segments.Count + 1} has no valid segment id (three upper-case letters or digits): \"{Shorten(line)}\"");
            if (id == "MSH" && segments.Count > 0)
                throw new Hl7ParseException(new Hl7Location("MSH", 2), "a second MSH: one message per frame");
            occurrences[id] = occurrences.GetValueOrDefault(id) + 1;
            segments.Add(new Hl7Segment(id, fields, encoding, occurrences[id]));
        }
        return new Hl7Message(encoding, segments);
    }

    private static string Shorten(string line) => line.Length <= 20 ? line : line[..20] + "...";
}

/// <summary>Writes segments with the message's delimiters, escaping every value.</summary>
public sealed class Hl7Writer(Hl7Encoding encoding)
{
    private readonly List<string> segments = [];

    /// <summary>Adds a segment; each field is given as its components (null or empty for an empty field).</summary>
    public Hl7Writer Segment(string id, params string?[][] fields)
    {
        var parts = new List<string> { id };
        if (id == "MSH")
        {
            // MSH-1 is the separator itself and MSH-2 the encoding characters, both written as they are.
            parts.Add(encoding.EncodingCharacters);
            fields = fields.Skip(2).ToArray();
        }
        parts.AddRange(fields.Select(f => string.Join(encoding.Component, (f ?? []).Select(c => encoding.EscapeValue(c ?? ""))).TrimEnd(encoding.Component)));
        var segment = string.Join(encoding.Field, parts).TrimEnd(encoding.Field);
        segments.Add(segment);
        return this;
    }

    /// <summary>Adds a segment whose fields are already encoded (delimiters placed, values escaped by the caller).</summary>
    public Hl7Writer RawSegment(string id, params string[] encodedFields)
    {
        segments.Add(string.Join(encoding.Field, [id, .. encodedFields]).TrimEnd(encoding.Field));
        return this;
    }

    /// <summary>Segments separated (and ended) by CR, as the standard says.</summary>
    public override string ToString() => string.Concat(segments.Select(s => s + "\r"));

    public static string[] F(params string?[] components) => components!;
}
