namespace EscalationHub.Adapters.Health.Hl7;

/// <summary>A parsed HL7 v2 message: its delimiters and its segments in order. Values are unescaped only when read,
/// after splitting, so an escaped delimiter never splits a value.</summary>
public sealed class Hl7Message(Hl7Encoding encoding, IReadOnlyList<Hl7Segment> segments)
{
    public Hl7Encoding Encoding { get; } = encoding;
    public IReadOnlyList<Hl7Segment> Segments { get; } = segments;

    public Hl7Segment Header => Segments[0];

    /// <summary>MSH-10, echoed in MSA-2 of the acknowledgement.</summary>
    public string ControlId => Header[10].Value();

    /// <summary>MSH-9 as "REF^I12" (message code and trigger event).</summary>
    public string MessageType => $"{Header[9].Value(1)}^{Header[9].Value(2)}";

    public Hl7Segment? First(string id) => Segments.FirstOrDefault(s => s.Id == id);

    public IEnumerable<Hl7Segment> All(string id) => Segments.Where(s => s.Id == id);
}

/// <summary>One segment. Fields are numbered as the standard numbers them: for MSH, MSH-1 is the field separator and
/// MSH-2 the encoding characters; a field past the end of the segment (trailing separators omitted) is empty.</summary>
public sealed class Hl7Segment(string id, IReadOnlyList<string> rawFields, Hl7Encoding encoding, int occurrence)
{
    public string Id { get; } = id;

    /// <summary>1 for the first segment with this id in the message, 2 for the second...</summary>
    public int Occurrence { get; } = occurrence;

    /// <summary>The highest field number present.</summary>
    public int FieldCount => Id == "MSH" ? rawFields.Count : rawFields.Count - 1;

    public Hl7Field this[int number]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(number, 1);
            if (Id == "MSH")
            {
                if (number == 1) return new Hl7Field(encoding.Field.ToString(), encoding, literal: true);
                if (number == 2) return new Hl7Field(rawFields[1], encoding, literal: true);
                return new Hl7Field(number - 1 < rawFields.Count ? rawFields[number - 1] : "", encoding);
            }
            return new Hl7Field(number < rawFields.Count ? rawFields[number] : "", encoding);
        }
    }
}

/// <summary>A field: repetitions (~) of components (^) of subcomponents (&amp;). Numbers start at 1.</summary>
public readonly struct Hl7Field(string raw, Hl7Encoding encoding, bool literal = false)
{
    private readonly string raw = raw ?? "";
    private readonly Hl7Encoding encoding = encoding ?? Hl7Encoding.Default;

    public string Raw => raw;

    public bool IsEmpty => raw.Length == 0;

    /// <summary>HL7's explicit null ("") meaning "delete the value", as opposed to an empty field meaning "not sent".</summary>
    public bool IsNull => raw == "\"\"";

    public IReadOnlyList<Hl7Repetition> Repetitions
    {
        get
        {
            if (literal) return [new Hl7Repetition(raw, encoding, literal: true)];
            if (raw.Length == 0) return [];
            var e = encoding;
            return raw.Split(encoding.Repetition).Select(r => new Hl7Repetition(r, e)).ToArray();
        }
    }

    public Hl7Repetition First => Repetitions.FirstOrDefault() ?? new Hl7Repetition("", encoding);

    /// <summary>The unescaped value of one component (and subcomponent) of the first repetition.</summary>
    public string Value(int component = 1, int subcomponent = 1) => First.Value(component, subcomponent);
}

public sealed class Hl7Repetition(string raw, Hl7Encoding encoding, bool literal = false)
{
    public string Raw => raw;

    public string Value(int component = 1, int subcomponent = 1)
    {
        if (literal) return component == 1 && subcomponent == 1 ? raw : "";
        var components = raw.Split(encoding.Component);
        if (component > components.Length) return "";
        var subcomponents = components[component - 1].Split(encoding.Subcomponent);
        if (subcomponent > subcomponents.Length) return "";
        var value = subcomponents[subcomponent - 1];
        return value == "\"\"" ? "" : encoding.Unescape(value);
    }

    public int ComponentCount => literal ? 1 : raw.Split(encoding.Component).Length;
}
