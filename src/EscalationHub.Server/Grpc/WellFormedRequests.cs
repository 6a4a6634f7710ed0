using System.Collections;
using System.Text;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using V1 = EscalationHub.Contracts.V1;

namespace EscalationHub.Server.Grpc;

/// <summary>
/// Binds a generated service with request marshallers that refuse, with INVALID_ARGUMENT, a body that is not a
/// well-formed message of the method's request type: truncated varints, invalid UTF-8, field number 0, nesting past
/// the parser's limit, a known field sent with the wrong wire type, and Timestamps or Durations outside their
/// documented ranges (naming the field). grpc-dotnet reads a unary request before any interceptor runs, so this is the
/// only place such a body can be answered clearly; without it the parser's exception became UNKNOWN ("Exception was
/// thrown by handler"). A caller without a certificate never gets here (<see cref="Security.CallerAuthentication"/>).
/// </summary>
public sealed class WellFormedRequests(ServiceBinderBase inner) : ServiceBinderBase
{
    private const int MaxDepth = 64;

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler) =>
        inner.AddMethod(Checked(method), handler);

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse>? handler) =>
        inner.AddMethod(Checked(method), handler);

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse>? handler) =>
        inner.AddMethod(Checked(method), handler);

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse>? handler) =>
        inner.AddMethod(Checked(method), handler);

    private static Method<TRequest, TResponse> Checked<TRequest, TResponse>(Method<TRequest, TResponse> method)
        where TRequest : class where TResponse : class
    {
        var marshaller = method.RequestMarshaller;
        return new Method<TRequest, TResponse>(method.Type, method.ServiceName, method.Name,
            new Marshaller<TRequest>(marshaller.ContextualSerializer, context => Deserialize(marshaller, context)), method.ResponseMarshaller);
    }

    private static T Deserialize<T>(Marshaller<T> marshaller, DeserializationContext context)
    {
        T request;
        try
        {
            request = marshaller.ContextualDeserializer(context);
        }
        catch (Exception ex) when (ex is not RpcException and not OperationCanceledException)
        {
            throw NotValid(typeof(T), ex is DecoderFallbackException ? "a string field is not valid UTF-8" : ex.Message);
        }
        if (request is not IMessage message) return request;

        if (WireTypeProblem(new CodedInputStream(context.PayloadAsNewBuffer()), message.Descriptor, "", 0) is { } problem)
            throw NotValid(typeof(T), problem);
        var errors = new FieldErrors();
        CheckTimes(message, "", errors, 0);
        errors.ThrowIfAny();
        return request;
    }

    private static RpcException NotValid(System.Type type, string why)
    {
        var name = type.GetProperty("Descriptor")?.GetValue(null) is MessageDescriptor descriptor ? descriptor.FullName : type.Name;
        return new RpcException(new Status(StatusCode.InvalidArgument, $"the request body is not a valid {name}: {FieldErrors.Cut(why, 300)}"));
    }

    /// <summary>Protobuf parsers keep a known field sent with another wire type as an unknown field, so such a body
    /// would pass with the field silently empty; refuse it instead. The body has already parsed, so it is well framed.</summary>
    private static string? WireTypeProblem(CodedInputStream input, MessageDescriptor descriptor, string path, int depth)
    {
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            var field = descriptor.FindFieldByNumber(WireFormat.GetTagFieldNumber(tag));
            var wireType = WireFormat.GetTagWireType(tag);
            if (field is null)
            {
                input.SkipLastField();
                continue;
            }
            if (!Expected(field, wireType))
                return $"{path}{field.Name} (field {field.FieldNumber}) was sent with wire type {wireType}";
            if (field.FieldType == FieldType.Message && depth < MaxDepth)
            {
                var nested = WireTypeProblem(new CodedInputStream(input.ReadBytes().ToByteArray()), field.MessageType, $"{path}{field.Name}.", depth + 1);
                if (nested is not null) return nested;
            }
            else input.SkipLastField();
        }
        return null;
    }

    private static bool Expected(FieldDescriptor field, WireFormat.WireType wireType)
    {
        var scalar = field.FieldType switch
        {
            FieldType.Message or FieldType.String or FieldType.Bytes => WireFormat.WireType.LengthDelimited,
            FieldType.Group => WireFormat.WireType.StartGroup,
            FieldType.Double or FieldType.Fixed64 or FieldType.SFixed64 => WireFormat.WireType.Fixed64,
            FieldType.Float or FieldType.Fixed32 or FieldType.SFixed32 => WireFormat.WireType.Fixed32,
            _ => WireFormat.WireType.Varint,
        };
        // Repeated numbers may come packed (one length-delimited run) or one by one, whatever the field declares.
        return wireType == scalar || (field.IsRepeated && scalar != WireFormat.WireType.LengthDelimited && wireType == WireFormat.WireType.LengthDelimited);
    }

    private const long MinTimestampSeconds = -62_135_596_800;  // 0001-01-01T00:00:00Z
    private const long MaxTimestampSeconds = 253_402_300_799;  // 9999-12-31T23:59:59Z
    private const long MaxDurationSeconds = 315_576_000_000;   // 10,000 years, as google.protobuf.Duration says

    /// <summary>Every Timestamp and Duration anywhere in the request, within its documented range (its conversions to
    /// .NET types throw otherwise, deep in a handler).</summary>
    private static void CheckTimes(IMessage message, string path, FieldErrors errors, int depth)
    {
        if (depth > MaxDepth) return;
        foreach (var field in message.Descriptor.Fields.InFieldNumberOrder())
        {
            if (field.FieldType != FieldType.Message || field.IsMap) continue;
            var name = path + field.Name;
            if (field.IsRepeated)
            {
                var i = 0;
                foreach (var item in (IList)field.Accessor.GetValue(message))
                    Check((IMessage)item, $"{name}[{i++}]");
            }
            else if (field.Accessor.GetValue(message) is IMessage value) Check(value, name);
        }

        void Check(IMessage value, string name)
        {
            switch (value)
            {
                case Timestamp t when t.Seconds is < MinTimestampSeconds or > MaxTimestampSeconds || t.Nanos is < 0 or > 999_999_999:
                    errors.Add(name, $"must be a time from 0001-01-01 to 9999-12-31: seconds {MinTimestampSeconds}..{MaxTimestampSeconds}, nanos 0..999999999 (got {t.Seconds}, {t.Nanos})");
                    break;
                case Duration d when d.Seconds is < -MaxDurationSeconds or > MaxDurationSeconds || d.Nanos is < -999_999_999 or > 999_999_999
                                     || (d.Seconds < 0 && d.Nanos > 0) || (d.Seconds > 0 && d.Nanos < 0):
                    errors.Add(name, $"must be a duration of at most 10,000 years, seconds and nanos of one sign (got {d.Seconds}, {d.Nanos})");
                    break;
                case Timestamp or Duration:
                    break;
                default:
                    CheckTimes(value, name + ".", errors, depth + 1);
                    break;
            }
        }
    }
}

// The hub's services are bound through these (see BindServiceMethod on each service), so every request they read is
// checked by WellFormedRequests. Descriptor is what gRPC reflection looks for beside the bind method.

public static class ConcernsBinding
{
    public static Google.Protobuf.Reflection.ServiceDescriptor Descriptor => V1.Concerns.Descriptor;
    public static void BindService(ServiceBinderBase binder, V1.Concerns.ConcernsBase service) => V1.Concerns.BindService(new WellFormedRequests(binder), service);
}

public static class EscalationsBinding
{
    public static Google.Protobuf.Reflection.ServiceDescriptor Descriptor => V1.Escalations.Descriptor;
    public static void BindService(ServiceBinderBase binder, V1.Escalations.EscalationsBase service) => V1.Escalations.BindService(new WellFormedRequests(binder), service);
}

public static class LedgerBinding
{
    public static Google.Protobuf.Reflection.ServiceDescriptor Descriptor => V1.Ledger.Descriptor;
    public static void BindService(ServiceBinderBase binder, V1.Ledger.LedgerBase service) => V1.Ledger.BindService(new WellFormedRequests(binder), service);
}

public static class OperationsBinding
{
    public static Google.Protobuf.Reflection.ServiceDescriptor Descriptor => V1.Operations.Descriptor;
    public static void BindService(ServiceBinderBase binder, V1.Operations.OperationsBase service) => V1.Operations.BindService(new WellFormedRequests(binder), service);
}
