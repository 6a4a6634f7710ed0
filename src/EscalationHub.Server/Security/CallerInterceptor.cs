using EscalationHub.Security;
using EscalationHub.Server.Agencies;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace EscalationHub.Server.Security;

/// <summary>
/// The gRPC edge, on every call before any service code runs: who is calling (the client certificate, checked
/// against the partnership CA and the revocation list), whether that role may call this method
/// (<see cref="CallerPolicies"/>), a deadline on every unary call, the caller's request rate, and that the agency a
/// request names is the caller's own (filled in when empty). Services then read the request's agency field, which
/// from here on is the certificate's agency. A stream also takes a slot of its caller's stream cap and stays subject
/// to its certificate while it is open (<see cref="OpenStreams"/>).
/// </summary>
public sealed class CallerInterceptor(ClientCertificateValidator validator, RequestRateLimits rateLimits, OpenStreams streams,
    AgencyDirectory agencies, ILogger<CallerInterceptor> logger)
    : Interceptor
{
    public const string CallerItem = "escalationhub.caller";

    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Admit(request, context, unary: true);
        return continuation(request, context);
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Admit(request, context, unary: false);
        using var stream = streams.Open(context, context.Caller());
        await stream.RunAsync(guarded => continuation(request, stream.Writer(responseStream), guarded));
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await AdmitStreamingRequestAsync<TRequest>(context);
        return await continuation(requestStream, context);
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await AdmitStreamingRequestAsync<TRequest>(context);
        using var stream = streams.Open(context, context.Caller());
        await stream.RunAsync(guarded => continuation(requestStream, stream.Writer(responseStream), guarded));
    }

    /// <summary>A refused caller that streams its request is answered once its writes have landed
    /// (<see cref="RefusedRequestBody"/>), so it reads the refusal, not a reset stream.</summary>
    private async Task AdmitStreamingRequestAsync<TRequest>(ServerCallContext context)
    {
        try
        {
            Admit<TRequest>(default, context, unary: false);
        }
        catch (RpcException)
        {
            await RefusedRequestBody.DrainAsync(context.GetHttpContext());
            throw;
        }
    }

    private void Admit<TRequest>(TRequest? request, ServerCallContext context, bool unary)
    {
        var policy = CallerPolicies.For(context.Method)
            ?? throw Refuse(context, StatusCode.PermissionDenied, $"{context.Method} has no authorization policy on this hub");
        var caller = Authenticate(context);
        if (policy.Access == Access.Anyone) return;

        if (caller is null)
            throw Refuse(context, StatusCode.Unauthenticated, "a client certificate issued by the partnership CA is required");
        // A CA-signed certificate naming an agency this hub does not know gets nothing, proofs and reflection included.
        if (caller.AgencyCode is { } code && agencies.Find(code) is null)
            throw Refuse(context, StatusCode.PermissionDenied, $"agency '{code}' is not registered with this hub");
        var allowed = policy.Access switch
        {
            Access.Agency => caller.Role == CallerRole.Agency || (caller.Role == CallerRole.Replica && policy.Replica),
            Access.Operator => caller.Role == CallerRole.Operator,
            _ => true,
        };
        if (!allowed)
            throw Refuse(context, StatusCode.PermissionDenied, policy.Access == Access.Operator
                ? $"{caller} may not call {context.Method}: operators only"
                : caller.Role == CallerRole.Replica
                ? $"{caller} may not call {context.Method}: a replication identity only reads the ledger and its proofs"
                : $"{caller} may not call {context.Method}: agencies only (operators see flow metadata through Operations)");

        // A unary call with no deadline could hold a request slot forever; streams (watches) end with their case or
        // when the client cancels, and are counted by the rate limit like any call.
        if (unary && context.Deadline == DateTime.MaxValue)
            throw Refuse(context, StatusCode.InvalidArgument,
                "a deadline is required on every call: send grpc-timeout (e.g. deadline: DateTime.UtcNow.AddSeconds(30))");

        if (rateLimits.TryAcquire(caller) is { } retryAfter)
            throw RateLimited(context, caller, retryAfter);

        if (request is IMessage message && policy.CallerField is { } field)
        {
            var named = CallerPolicies.NamedAgency(policy, message);
            if (named == "") CallerPolicies.SetNamedAgency(policy, message, caller.Name);
            else if (named != caller.Name)
                throw Refuse(context, StatusCode.PermissionDenied,
                    $"{field}: the request names agency '{Grpc.FieldErrors.Cut(named, 64)}' but the client certificate is agency '{caller.Name}'");
        }
    }

    /// <summary>The caller's identity from its certificate; null with no certificate; refused when one was presented
    /// and does not check out (a bad certificate gets nothing, not even health).</summary>
    private CallerIdentity? Authenticate(ServerCallContext context) => Authenticate(context.GetHttpContext(), validator, logger);

    /// <summary>Shared with <see cref="CallerAuthentication"/>, which runs it before a request body is read.</summary>
    internal static CallerIdentity? Authenticate(HttpContext http, ClientCertificateValidator validator, ILogger logger)
    {
        if (http.Items.TryGetValue(CallerItem, out var known)) return (CallerIdentity?)known;
        var certificate = http.Connection.ClientCertificate;
        CallerIdentity? caller = null;
        if (certificate is not null)
        {
            var check = validator.Check(certificate);
            if (check.Identity is null)
            {
                // Without the revocation list every call is refused: RevocationMonitor logs that once, not per call.
                logger.Log(check.Refusal == ClientCertificateValidator.RevocationListUnavailable ? LogLevel.Debug : LogLevel.Warning,
                    "Refused client certificate {Subject} serial {Serial} from {Remote}: {Reason}",
                    certificate.Subject, certificate.SerialNumber, http.Connection.RemoteIpAddress, check.Refusal);
                throw new RpcException(new Status(StatusCode.Unauthenticated, $"client certificate refused: {check.Refusal}"));
            }
            caller = check.Identity;
        }
        http.Items[CallerItem] = caller;
        return caller;
    }

    private RpcException Refuse(ServerCallContext context, StatusCode code, string message)
    {
        logger.LogInformation("Refused {Method} ({Code}): {Message}", context.Method, code, message);
        return new RpcException(new Status(code, message));
    }

    private static RpcException RateLimited(ServerCallContext context, CallerIdentity caller, TimeSpan retryAfter)
    {
        var milliseconds = (long)Math.Ceiling(Math.Max(1, retryAfter.TotalMilliseconds));
        var status = new Google.Rpc.Status
        {
            Code = (int)StatusCode.ResourceExhausted,
            Message = $"rate limit: {caller} is sending requests faster than its limit; retry after {milliseconds} ms",
            Details = { Google.Protobuf.WellKnownTypes.Any.Pack(new Google.Rpc.RetryInfo { RetryDelay = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromMilliseconds(milliseconds)) }) },
        };
        context.ResponseTrailers.Add("retry-after-ms", milliseconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return status.ToRpcException();
    }
}

/// <summary>The caller of the current call, as the certificate says (null: anonymous).</summary>
public static class CallerContext
{
    public static CallerIdentity? Caller(this ServerCallContext context) =>
        context.GetHttpContext().Items.TryGetValue(CallerInterceptor.CallerItem, out var caller) ? (CallerIdentity?)caller : null;
}
