using System.Globalization;
using System.Text;

namespace EscalationHub.Adapters.Health.Hl7;

/// <summary>The delimiters a message declares in MSH-1 and MSH-2, and the escape sequences built on them (HL7 v2.5.1
/// chapter 2.7): \F\ \S\ \T\ \R\ \E\ stand for the delimiters themselves, \Xhh..\ for bytes in hex, \.br\ for a
/// line break; highlighting (\H\ \N\) is dropped. An unknown sequence is kept as written.</summary>
public sealed record Hl7Encoding(char Field, char Component, char Repetition, char Escape, char Subcomponent)
{
    public static Hl7Encoding Default { get; } = new('|', '^', '~', '\\', '&');

    /// <summary>MSH-2 as written: component, repetition, escape, subcomponent.</summary>
    public string EncodingCharacters => $"{Component}{Repetition}{Escape}{Subcomponent}";

    public string Unescape(string value)
    {
        if (value.IndexOf(Escape) < 0) return value;
        var text = new StringBuilder(value.Length);
        var i = 0;
        while (i < value.Length)
        {
            var c = value[i];
            var end = c == Escape ? value.IndexOf(Escape, i + 1) : -1;
            if (end < 0)
            {
                text.Append(c);
                i++;
                continue;
            }

            var sequence = value[(i + 1)..end];
            if (!TryExpand(sequence, text)) text.Append(value, i, end - i + 1);
            i = end + 1;
        }
        return text.ToString();
    }

    private bool TryExpand(string sequence, StringBuilder text)
    {
        switch (sequence)
        {
            case "F": text.Append(Field); return true;
            case "S": text.Append(Component); return true;
            case "T": text.Append(Subcomponent); return true;
            case "R": text.Append(Repetition); return true;
            case "E": text.Append(Escape); return true;
            case ".br": text.Append('\n'); return true;
            case "H" or "N": return true; // start / end highlighting: no meaning in plain text
        }

        if (sequence.Length > 1 && sequence[0] == 'X' && (sequence.Length - 1) % 2 == 0)
        {
            var bytes = new byte[(sequence.Length - 1) / 2];
            for (var b = 0; b < bytes.Length; b++)
                if (!byte.TryParse(sequence.AsSpan(1 + 2 * b, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out bytes[b]))
                    return false;
            text.Append(DecodeHexBytes(bytes));
            return true;
        }
        return false;
    }

    // Hex escapes carry bytes of the message's character set; UTF-8 when they form valid UTF-8, else ISO 8859-1.
    private static string DecodeHexBytes(byte[] bytes)
    {
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return Encoding.Latin1.GetString(bytes);
        }
    }

    /// <summary>Escapes a value so it can be written as one component or subcomponent.</summary>
    public string EscapeValue(string value)
    {
        var text = new StringBuilder(value.Length);
        foreach (var c in value)
        {
            if (c == Escape) text.Append(Escape).Append('E').Append(Escape);
            else if (c == Field) text.Append(Escape).Append('F').Append(Escape);
            else if (c == Component) text.Append(Escape).Append('S').Append(Escape);
            else if (c == Subcomponent) text.Append(Escape).Append('T').Append(Escape);
            else if (c == Repetition) text.Append(Escape).Append('R').Append(Escape);
            else if (c == '\n') text.Append(Escape).Append(".br").Append(Escape);
            else if (c == '\r') { }
            else text.Append(c);
        }
        return text.ToString();
    }
}
