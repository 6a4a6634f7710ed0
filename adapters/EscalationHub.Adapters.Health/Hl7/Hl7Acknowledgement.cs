using System.Globalization;

namespace EscalationHub.Adapters.Health.Hl7;

/// <summary>Acknowledgement codes of HL7 v2 original mode: AA accepted; AE error in the content (fix and resend);
/// AR rejected for reasons other than content (unsupported message, or the receiver could not take it now: resend).</summary>
public enum AckCode { AA, AE, AR }

/// <summary>One ERR segment: where (ERR-2), the HL7 error code of table 0357 (ERR-3), and a message for people (ERR-8).</summary>
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
    /// <summary>ACK to <paramref name="original"/> (null when it could not be read): MSH addressed back to the sender,
    /// MSA with the code and the original MSH-10, and one ERR per problem (HL7 v2.5 ERR layout).</summary>
    public static string Build(Hl7Message? original, AckCode code, IReadOnlyList<Hl7Error> errors, DateTimeOffset now, string controlId)
    {
        var encoding = original?.Encoding ?? Hl7Encoding.Default;
        var header = original?.Header;
        string V(int field, int component = 1) => header?[field].Value(component) ?? "";
        var writer = new Hl7Writer(encoding).Segment("MSH",
            [], [],
            [V(5), V(5, 2), V(5, 3)], [V(6), V(6, 2), V(6, 3)],   // sending application / facility: who received the original
            [V(3), V(3, 2), V(3, 3)], [V(4), V(4, 2), V(4, 3)],   // receiving application / facility: who sent it
            [now.UtcDateTime.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture) + "+0000"], [],
            ["ACK", V(9, 2) is { Length: > 0 } trigger ? trigger : "I12", "ACK"],
            [controlId], [V(11) is { Length: > 0 } processing ? processing : "P"], [V(12) is { Length: > 0 } version ? version : "2.5.1"]);
        var text = errors.Count == 0 ? null : string.Join("; ", errors.Select(e => $"{e.Location}: {e.Message}"));
        writer.Segment("MSA", [code.ToString()], [original?.ControlId ?? ""], [text is null ? null : text.Length > 80 ? text[..80] : text]);
        foreach (var error in errors)
        {
            var l = error.Location;
            writer.Segment("ERR",
                [],
                [l.Segment, l.Occurrence.ToString(CultureInfo.InvariantCulture),
                    l.Field > 0 ? l.Field.ToString(CultureInfo.InvariantCulture) : null,
                    l.Field > 0 ? Math.Max(1, l.Repetition).ToString(CultureInfo.InvariantCulture) : null,
                    l.Component > 0 ? l.Component.ToString(CultureInfo.InvariantCulture) : null],
                [error.Code.ToString(CultureInfo.InvariantCulture), Hl7Error.CodeText(error.Code), "HL70357"],
                ["E"], [], [], [], [error.Message]);
        }
        return writer.ToString();
    }
}
