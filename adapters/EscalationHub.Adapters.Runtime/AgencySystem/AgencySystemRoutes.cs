using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;

namespace EscalationHub.Adapters.Runtime.AgencySystem;

/// <summary>The media types an agency system's endpoint accepts and how it words a refusal (problem details for the
/// JSON interfaces, an OperationOutcome for FHIR).</summary>
public sealed record AgencySystemFormat(IReadOnlyList<string> MediaTypes, Func<int, string, IResult> Refusal)
{
    public static AgencySystemFormat Json { get; } = new(["application/json"], (status, detail) =>
        Results.Problem(detail, statusCode: status, title: status == 401 ? "Unauthorized" : "Unsupported media type"));
}

/// <summary>Where an agency system acts as its agency: every endpoint mapped on these routes first checks the
/// system's credential (<see cref="AgencySystemCredential"/>), then the content type.
/// A refusal is 401 (with WWW-Authenticate: Bearer) or 415, logged with the caller's address; nothing is sent to
/// the hub. The shipped endpoints (POST /responses, /disagreements, /concerns, /fhir/...) can be mapped only here.</summary>
public sealed class AgencySystemRoutes
{
    private AgencySystemRoutes(RouteGroupBuilder routes) => Routes = routes;

    public IEndpointRouteBuilder Routes { get; }

    public static AgencySystemRoutes For(IEndpointRouteBuilder routes, AdapterSettings settings, AgencySystemFormat format)
    {
        var credential = routes.ServiceProvider.GetRequiredKeyedService<AgencySystemCredential>(settings.AgencyCode);
        var logger = routes.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger<AgencySystemRoutes>();
        var group = routes.MapGroup("");
        group.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            var refusal = Authenticate(http.Request.Headers.Authorization, credential);
            if (refusal is not null)
            {
                logger.LogWarning("{Agency}: {Method} {Path} from {Remote} refused: {Reason}", settings.AgencyCode, http.Request.Method,
                    http.Request.Path, http.Connection.RemoteIpAddress, refusal);
                http.Response.Headers.WWWAuthenticate = $"Bearer realm=\"escalationhub-{settings.AgencyCode}\"";
                return format.Refusal(StatusCodes.Status401Unauthorized,
                    "a credential of this agency's system is required: Authorization: Bearer <secret> (see the adapter's README); nothing was sent to the hub");
            }
            if (!Accepts(http.Request.ContentType, format.MediaTypes))
            {
                logger.LogWarning("{Agency}: {Method} {Path} from {Remote} refused: content type '{ContentType}'", settings.AgencyCode,
                    http.Request.Method, http.Request.Path, http.Connection.RemoteIpAddress, http.Request.ContentType);
                return format.Refusal(StatusCodes.Status415UnsupportedMediaType,
                    $"the body must be {string.Join(" or ", format.MediaTypes)} (UTF-8); nothing was sent to the hub");
            }
            return await next(context);
        });
        return new AgencySystemRoutes(group);
    }

    private static string? Authenticate(Microsoft.Extensions.Primitives.StringValues authorization, AgencySystemCredential credential) =>
        authorization.Count == 0 ? "no credential" : credential.Accepts(authorization) ? null : "wrong credential";

    private static bool Accepts(string? contentType, IReadOnlyList<string> mediaTypes)
    {
        if (!MediaTypeHeaderValue.TryParse(contentType, out var parsed) || parsed.MediaType.Value is not { } mediaType) return false;
        if (!mediaTypes.Contains(mediaType, StringComparer.OrdinalIgnoreCase)) return false;
        return parsed.Charset.Value is not { } charset || charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase) || charset.Equals("utf8", StringComparison.OrdinalIgnoreCase);
    }
}
