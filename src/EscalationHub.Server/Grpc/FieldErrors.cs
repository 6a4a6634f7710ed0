using EscalationHub.Domain.Text;
using Google.Rpc;
using Grpc.Core;

namespace EscalationHub.Server.Grpc;

/// <summary>Collects what is wrong with a request, field by field, and refuses it with INVALID_ARGUMENT carrying
/// a google.rpc.BadRequest (so clients can point at the field) and a readable message naming each field.</summary>
/// <remarks>A refusal stays small whatever the request: the first <see cref="MaxReported"/> violations are kept, then
/// one saying how many more there were, and every field name and description is cut to a bounded length (values a
/// caller sent are echoed in descriptions). So a refusal, its log line and its bus twin are a few KB at most.</remarks>
public sealed class FieldErrors
{
    public const int MaxReported = 10;
    public const int MaxFieldLength = 100;
    public const int MaxDescriptionLength = 240;

    /// <summary>Most values one repeated field may carry (agencies, child files, themes, attendees, actions).</summary>
    public const int MaxRepeated = 16;

    private readonly BadRequest badRequest = new();
    private int count;

    public bool HasErrors => count > 0;

    public IEnumerable<(string Field, string Description)> All => Reported().Select(v => (v.Field, v.Description));

    public void Add(string field, string description)
    {
        count++;
        if (badRequest.FieldViolations.Count < MaxReported)
            badRequest.FieldViolations.Add(new BadRequest.Types.FieldViolation { Field = Cut(field, MaxFieldLength), Description = Cut(description, MaxDescriptionLength) });
    }

    /// <summary>A required name, code or role: present, at most <paramref name="maxLength"/>, and plain text (no
    /// control or bidirectional characters, something visible).</summary>
    public void Required(string field, string? value, int maxLength)
    {
        if (string.IsNullOrWhiteSpace(value)) Add(field, "is required");
        else if (value.Length > maxLength) Add(field, $"must be at most {maxLength} characters (got {value.Length})");
        else if (TextRules.NameProblem(value) is { } problem) Add(field, problem);
    }

    /// <summary>Required free text (details, summaries, reasons): as <see cref="Required"/>, but tab, CR and LF are allowed.</summary>
    public void RequiredText(string field, string? value, int maxLength)
    {
        if (string.IsNullOrWhiteSpace(value)) Add(field, "is required");
        else if (value.Length > maxLength) Add(field, $"must be at most {maxLength} characters (got {value.Length})");
        else if (TextRules.FreeTextProblem(value) is { } problem) Add(field, problem);
    }

    /// <summary>An optional name, code or role: when given, the rules of <see cref="Required"/>.</summary>
    public void Optional(string field, string? value, int maxLength)
    {
        if (!string.IsNullOrEmpty(value)) Required(field, value, maxLength);
    }

    /// <summary>Optional free text: when given, the rules of <see cref="RequiredText"/>.</summary>
    public void OptionalText(string field, string? value, int maxLength)
    {
        if (!string.IsNullOrEmpty(value)) RequiredText(field, value, maxLength);
    }

    /// <summary>A repeated field over its maximum is one error naming the field and the limit (not one per value);
    /// false then, so the caller skips checking each value.</summary>
    public bool WithinCount<T>(string field, IReadOnlyCollection<T>? values, int max = MaxRepeated)
    {
        if (values is null || values.Count <= max) return true;
        Add(field, $"at most {max} values are allowed (got {values.Count})");
        return false;
    }

    /// <summary>Stops a handler: the caller's shell turns this into its own kind of refusal.</summary>
    public void ThrowIfInvalid()
    {
        if (HasErrors) throw new InvalidCommandException(this);
    }

    public void ThrowIfAny()
    {
        if (!HasErrors) return;
        throw ToRpcException();
    }

    public string Message => string.Join("; ", Reported().Select(v => $"{v.Field}: {v.Description}"));

    public RpcException ToRpcException()
    {
        var reported = new BadRequest { FieldViolations = { Reported() } };
        return new Google.Rpc.Status
        {
            Code = (int)Code.InvalidArgument,
            Message = Message,
            Details = { Google.Protobuf.WellKnownTypes.Any.Pack(reported) },
        }.ToRpcException();
    }

    public static RpcException Single(StatusCode code, string field, string description)
    {
        var (f, d) = (Cut(field, MaxFieldLength), Cut(description, MaxDescriptionLength));
        return new Google.Rpc.Status
        {
            Code = (int)code,
            Message = $"{f}: {d}",
            Details = { Google.Protobuf.WellKnownTypes.Any.Pack(new BadRequest { FieldViolations = { new BadRequest.Types.FieldViolation { Field = f, Description = d } } }) },
        }.ToRpcException();
    }

    /// <summary>Text for an error or a log line: at most <paramref name="max"/> characters (marked where cut), control and
    /// bidirectional characters a caller sent shown as U+FFFD so they cannot rewrite what is read.</summary>
    public static string Cut(string text, int max)
    {
        var length = text.Length <= max ? text.Length : max - 1;
        if (length < text.Length && length > 0 && char.IsHighSurrogate(text[length - 1])) length--;
        var cut = string.Create(length, text, (span, source) =>
        {
            for (var i = 0; i < span.Length; i++)
                span[i] = char.IsControl(source[i]) || TextRules.IsBidirectionalControl(source[i]) ? '\uFFFD' : source[i];
        });
        return length < text.Length ? cut + "…" : cut;
    }

    private IEnumerable<BadRequest.Types.FieldViolation> Reported()
    {
        foreach (var violation in badRequest.FieldViolations) yield return violation;
        if (count > badRequest.FieldViolations.Count)
        {
            var more = count - badRequest.FieldViolations.Count;
            yield return new BadRequest.Types.FieldViolation { Field = "request", Description = $"and {more} more field error{(more == 1 ? "" : "s")} not listed" };
        }
    }
}

/// <summary>A command with bad fields: INVALID_ARGUMENT over gRPC, a refusal to the sender on the bus.</summary>
public sealed class InvalidCommandException(FieldErrors errors) : Exception(errors.Message)
{
    public FieldErrors Errors { get; } = errors;
}
