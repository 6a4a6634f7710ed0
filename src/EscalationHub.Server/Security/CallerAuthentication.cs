using System.Globalization;
using System.Text;
using EscalationHub.Security;
using Grpc.AspNetCore.Server;
using Grpc.Core;

namespace EscalationHub.Server.Security;

/// <summary>
/// Who is calling, checked before grpc-dotnet reads a request body: for every method whose policy is not Anyone
/// (<see cref="CallerPolicies"/>), a caller with no client certificate, or one that does not check out, is answered
/// UNAUTHENTICATED (trailers only) and its body is never parsed (a streamed one is read and thrown away first,
/// <see cref="RefusedRequestBody"/>). The check is the <see cref="CallerInterceptor"/>'s,
/// which finds the caller cached for the rest of the call (role, deadline, rate, named agency).
/// </summary>
public sealed class CallerAuthentication(RequestDelegate next, ClientCertificateValidator validator, ILogger<CallerInterceptor> logger)
{
    public async Task InvokeAsync(HttpContext http)
    {
        var method = http.Request.Path.Value ?? "";
        if (http.Request.ContentType?.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) == true
            && http.GetEndpoint()?.Metadata.GetMetadata<GrpcMethodMetadata>()?.Method.Type is { } type
            && CallerPolicies.For(method) is { Access: not Access.Anyone })
        {
            string? refusal;
            try
            {
                refusal = CallerInterceptor.Authenticate(http, validator, logger) is null
                    ? "a client certificate issued by the partnership CA is required"
                    : null;
            }
            catch (RpcException refused) when (refused.StatusCode == StatusCode.Unauthenticated)
            {
                refusal = refused.Status.Detail;
            }
            if (refusal is not null)
            {
                logger.LogInformation("Refused {Method} ({Code}): {Message}", method, StatusCode.Unauthenticated, refusal);
                if (type is MethodType.ClientStreaming or MethodType.DuplexStreaming)
                    await RefusedRequestBody.DrainAsync(http);
                TrailersOnly(http.Response, StatusCode.Unauthenticated, refusal);
                return;
            }
        }
        await next(http);
    }

    /// <summary>A gRPC answer with no message: the status in the response headers, as grpc-dotnet itself answers.</summary>
    private static void TrailersOnly(HttpResponse response, StatusCode code, string message)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/grpc";
        response.Headers["grpc-status"] = ((int)code).ToString(CultureInfo.InvariantCulture);
        response.Headers["grpc-message"] = PercentEncoded(message);
    }

    /// <summary>grpc-message is percent-encoded UTF-8: printable ASCII but '%' as is, every other byte as %XX.</summary>
    private static string PercentEncoded(string message)
    {
        var encoded = new StringBuilder();
        foreach (var b in Encoding.UTF8.GetBytes(message))
            if (b is >= 0x20 and <= 0x7E and not (byte)'%') encoded.Append((char)b);
            else encoded.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
        return encoded.ToString();
    }
}
