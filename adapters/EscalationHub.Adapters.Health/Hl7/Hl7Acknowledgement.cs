using System.Globalization;

namespace EscalationHub.Adapters.Health.Hl7;

/// <summary>Acknowledgement codes of HL7 v2 original mode: AA accepted; AE error in the content (fix and resend);
/// AR rejected for reasons other than content (unsupported message, or the receiver could not take it now: resend).</summary>
public enum AckCode { AA, AE, AR }

/// <summary>One problem of a message: where, the HL7 error code of table 0357, and a message for people (in v2.5 and
/// later ERR-2, ERR-3 and ERR-8; before, ERR-1 and MSA-3: see <see cref="Hl7Acknowledgement.Build"/>).</summary>
public sealed record Hl7Error(Hl7Location Location, int Code, string Message)
{
    public const int SegmentSequenceError = 100;
    public const int RequiredFieldMissing = 101;
    public const int DataTypeError = 102;
    public const int TableValueNotFound = 103;
    public const int UnsupportedMessageType = 200;
    public const int UnsupportedEventCode = 201;
    public const int UnsupportedProcessingId = 202;
    public const int ApplicationInternalError = 207;

    public static string CodeText(int code) => code switch
    {
        SegmentSequenceError => "Segment sequence error",
        RequiredFieldMissing => "Required field missing",
        DataTypeError => "Data type error",
        TableValueNotFound => "Table value not found",
        UnsupportedMessageType => "Unsupported message type",
        UnsupportedEventCode => "Unsupported event code",
        UnsupportedProcessingId => "Unsupported processing id",
        _ => "Application internal error",
    };
}

public static class Hl7Acknowledgement
{
    /// <summary>ACK to <paramref name="original"/> (null when it could not be read): MSH addressed back to the sender in
    /// the version the message declared (MSH-12; 2.5.1 when it declared none), MSA with the code and the original
    /// MSH-10, and the errors in that version's layout (<see cref="UsesV25Err"/>):
    /// <list type="bullet">
    /// <item>v2.5 and later: one ERR per problem: ERR-2 location (segment^occurrence^field^repetition^component),
    /// ERR-3 the table 0357 code, ERR-4 severity E, ERR-8 the message; ERR-1 left empty (backward compatibility only,
    /// withdrawn in v2.7).</item>
    /// <item>before v2.5 (2.1-2.4), where ERR has only ERR-1 "error code and location" (ELD) and the ACK at most one
    /// ERR: one ERR whose ERR-1 repeats segment^occurrence^field^code&amp;text&amp;HL70357 per problem (ELD has no
    /// repetition or component: those are in MSA-3), and MSA-6 the first problem's code.</item>
    /// </list></summary>
    public static string Build(Hl7Message? original, AckCode code, IReadOnlyList<Hl7Error> errors, DateTimeOffset now, string controlId)
    {
        var encoding = original?.Encoding ?? Hl7Encoding.Default;
        var header = original?.Header;
        string V(int field, int component = 1) => header?[field].Value(component) ?? "";
        var version = V(12) is { Length: > 0 } declared ? declared : "2.5.1";
        var v25 = UsesV25Err(version);
        var writer = new Hl7Writer(encoding).Segment("MSH",
            [], [],
            [V(5), V(5, 2), V(5, 3)], [V(6), V(6, 2), V(6, 3)],   // sending application / facility: who received the original
            [V(3), V(3, 2), V(3, 3)], [V(4), V(4, 2), V(4, 3)],   // receiving application / facility: who sent it
            [now.UtcDateTime.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture) + "+0000"], [],
            ["ACK", V(9, 2) is { Length: > 0 } trigger ? trigger : "I12", "ACK"],
            [controlId], [V(11) is { Length: > 0 } processing ? processing : "P"], [version]);
        var text = errors.Count == 0 ? null : string.Join("; ", errors.Select(e => $"{e.Location}: {e.Message}"));
        string? Number(int n) => n.ToString(CultureInfo.InvariantCulture);
        if (v25 || errors.Count == 0)
            writer.Segment("MSA", [code.ToString()], [original?.ControlId ?? ""], [text is null ? null : text.Length > 80 ? text[..80] : text]);
        else
            writer.Segment("MSA", [code.ToString()], [original?.ControlId ?? ""], [text!.Length > 80 ? text[..80] : text], [], [],
                [Number(errors[0].Code), Hl7Error.CodeText(errors[0].Code), "HL70357"]);

        if (v25)
        {
            foreach (var error in errors)
            {
                var l = error.Location;
                writer.Segment("ERR",
                    [],
                    [l.Segment, Number(l.Occurrence),
                        l.Field > 0 ? Number(l.Field) : null,
                        l.Field > 0 ? Number(Math.Max(1, l.Repetition)) : null,
                        l.Component > 0 ? Number(l.Component) : null],
                    [Number(error.Code), Hl7Error.CodeText(error.Code), "HL70357"],
                    ["E"], [], [], [], [error.Message]);
            }
        }
        else if (errors.Count > 0)
        {
            // ELD, repeated: its fourth component is a CE, written as subcomponents.
            string E(string? value) => encoding.EscapeValue(value ?? "");
            var locations = errors.Select(e => string.Join(encoding.Component,
                E(e.Location.Segment), E(Number(e.Location.Occurrence)), e.Location.Field > 0 ? E(Number(e.Location.Field)) : "",
                string.Join(encoding.Subcomponent, E(Number(e.Code)), E(Hl7Error.CodeText(e.Code)), E("HL70357"))));
            writer.RawSegment("ERR", string.Join(encoding.Repetition, locations));
        }
        return writer.ToString();
    }

    /// <summary>Whether the ERR segment of this HL7 version has the v2.5 layout (ERR-2 location, ERR-3 code...): 2.5 and
    /// later, or a version that cannot be read. Before 2.5 it has ERR-1 (ELD) only.</summary>
    public static bool UsesV25Err(string version)
    {
        var parts = version.Split('.');
        if (parts.Length < 2 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var major)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var minor)) return true;
        return major > 2 || (major == 2 && minor >= 5);
    }
}
