using EscalationHub.Domain.Disagreements;
using EscalationHub.Server.Concerns;
using EscalationHub.Server.Disagreements;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace EscalationHub.Server.Grpc;

/// <summary>Turns the hub's refusals into gRPC statuses in one place, so services stay thin shells.</summary>
public sealed class HubExceptionInterceptor : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context);
        }
        catch (Exception ex) when (Translate(ex) is { } status)
        {
            throw status;
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(request, responseStream, context);
        }
        catch (Exception ex) when (Translate(ex) is { } status)
        {
            throw status;
        }
    }

    /// <summary>Longest status message the hub sends: refusals echo ids and codes a caller sent, so a message is cut
    /// here whatever raised it (field errors are bounded already, see <see cref="FieldErrors"/>).</summary>
    public const int MaxDetailLength = 1024;

    private static RpcException? Translate(Exception ex) => Bounded(ex switch
    {
        RpcException rpc when rpc.Status.Detail.Length > MaxDetailLength => rpc,
        InvalidCommandException invalid => invalid.Errors.ToRpcException(),
        IdempotencyKeyReusedException reused => FieldErrors.Single(StatusCode.AlreadyExists, "idempotency_key", reused.Message),
        DisagreementNotFoundException notFound => new RpcException(new Status(StatusCode.NotFound, $"disagreement_id: {notFound.Message}")),
        // Not party and no such id are one answer: it must not tell whether the id exists.
        NotAPartyException notParty => new RpcException(new Status(StatusCode.NotFound, notParty.Message)),
        NotPartyToChildFileException notParty => new RpcException(new Status(StatusCode.NotFound, notParty.Message)),
        TransitionRefusedException refused => new RpcException(new Status(StatusCode.FailedPrecondition, refused.Reason)),
        _ => null,
    });

    private static RpcException? Bounded(RpcException? status) =>
        status is null || status.Status.Detail.Length <= MaxDetailLength ? status
        : new RpcException(new Status(status.StatusCode, FieldErrors.Cut(status.Status.Detail, MaxDetailLength)), status.Trailers);
}
