using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;

namespace EscalationHub.Server.Grpc;

/// <summary>Collects what is wrong with a request, field by field, and refuses it with INVALID_ARGUMENT carrying
/// a google.rpc.BadRequest (so clients can point at the field) and a readable message naming each field.</summary>
public sealed class FieldErrors
{
    private readonly BadRequest badRequest = new();

    public bool HasErrors => badRequest.FieldViolations.Count > 0;

    public IEnumerable<(string Field, string Description)> All => badRequest.FieldViolations.Select(v => (v.Field, v.Description));

    public void Add(string field, string description) =>
        badRequest.FieldViolations.Add(new BadRequest.Types.FieldViolation { Field = field, Description = description });

    public void Required(string field, string? value, int maxLength)
    {
        if (string.IsNullOrWhiteSpace(value)) Add(field, "is required");
        else if (value.Length > maxLength) Add(field, $"must be at most {maxLength} characters (got {value.Length})");
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

    public RpcException ToRpcException()
    {
        var message = string.Join("; ", badRequest.FieldViolations.Select(v => $"{v.Field}: {v.Description}"));
        return new Google.Rpc.Status
        {
            Code = (int)Code.InvalidArgument,
            Message = message,
            Details = { Google.Protobuf.WellKnownTypes.Any.Pack(badRequest) },
        }.ToRpcException();
    }

    public static RpcException Single(StatusCode code, string field, string description) =>
        new Google.Rpc.Status
        {
            Code = (int)code,
            Message = $"{field}: {description}",
            Details = { Google.Protobuf.WellKnownTypes.Any.Pack(new BadRequest { FieldViolations = { new BadRequest.Types.FieldViolation { Field = field, Description = description } } }) },
        }.ToRpcException();
}

/// <summary>A command with bad fields: INVALID_ARGUMENT over gRPC, a refusal to the sender on the bus.</summary>
public sealed class InvalidCommandException(FieldErrors errors) : Exception(string.Join("; ", errors.All.Select(e => $"{e.Field}: {e.Description}")))
{
    public FieldErrors Errors { get; } = errors;
}
