using EscalationHub.Security;
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
/// system's credential (<see cref="AgencySystemCredential"/>; or, where the listener is https and the hub's
/// certificate checks are at hand, a partnership client certificate naming this agency), then the content type.
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
        var certificates = routes.ServiceProvider.GetService<ClientCertificateValidator>();
        var group = routes.MapGroup("");
        group.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            var refusal = Authenticate(http, credential, certificates, settings.AgencyCode);
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

    private static string? Authenticate(HttpContext http, AgencySystemCredential credential, ClientCertificateValidator? certificates, string agencyCode)
    {
        var authorization = http.Request.Headers.Authorization;
        if (authorization.Count > 0 && credential.Accepts(authorization)) return null;
        // The alternative: mutual TLS with the agency's partnership certificate (an https listener of the hub).
        if (http.Connection.ClientCertificate is { } certificate && certificates is not null)
        {
            var check = certificates.Check(certificate);
            if (check.Identity?.AgencyCode == agencyCode) return null;
            return check.Refusal ?? $"the client certificate is {check.Identity}'s, not this agency's";
        }
        return authorization.Count == 0 ? "no credential" : "wrong credential";
    }

    private static bool Accepts(string? contentType, IReadOnlyList<string> mediaTypes)
    {
        if (!MediaTypeHeaderValue.TryParse(contentType, out var parsed) || parsed.MediaType.Value is not { } mediaType) return false;
        if (!mediaTypes.Contains(mediaType, StringComparer.OrdinalIgnoreCase)) return false;
        return parsed.Charset.Value is not { } charset || charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase) || charset.Equals("utf8", StringComparison.OrdinalIgnoreCase);
    }
}
