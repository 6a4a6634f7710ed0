using EscalationHub.Adapters.Runtime.AgencySystem;
using EscalationHub.Adapters.Health.Referrals;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;

namespace EscalationHub.Adapters.Health.Fhir;

/// <summary>POST /fhir/ServiceRequest, POST /fhir/Bundle and POST /fhir/$process-message (application/fhir+json; 415
/// otherwise, 406 for an Accept it cannot answer), GET /fhir/metadata (<see cref="FhirCapabilities"/>). 202 with an informational
/// OperationOutcome once the broker has the RaiseConcern; 400 with an OperationOutcome (an issue per problem, with its
/// FHIRPath expression) and nothing sent; 503 when the hub cannot take it now (resend).</summary>
public static class FhirEndpoints
{
    public const string FhirJson = "application/fhir+json";
    public const int MaxBodyBytes = 1024 * 1024;

    private static readonly BaseFhirJsonSerializer Serializer = new(ModelInfo.ModelInspector);

    /// <summary>FHIR JSON (application/json too, as FHIR servers take it); refusals as an OperationOutcome whose
    /// location names the HTTP header at fault ("http." + its name, as FHIR words HTTP errors).</summary>
    public static AgencySystemFormat Format { get; } = new([FhirJson, "application/json"], (status, detail) => status == 401
        ? HeaderOutcome(status, OperationOutcome.IssueType.Login, "Authorization", detail)
        : HeaderOutcome(status, OperationOutcome.IssueType.NotSupported, "Content-Type", detail));

    /// <summary>The media types the adapter answers in: FHIR JSON only (no XML).</summary>
    private static readonly string[] Producible = [FhirJson, "application/json", "application/json+fhir", "application/*", "*/*"];

    public static AgencySystemRoutes MapFhirReferrals(this AgencySystemRoutes routes)
    {
        routes.Routes.MapPost("/fhir/ServiceRequest", (HttpRequest request, ReferralIntake intake, CancellationToken cancellationToken) =>
            HandleAsync(request, intake, FhirReferralMapper.FromServiceRequest, cancellationToken)).AddEndpointFilter(AcceptFilter);
        routes.Routes.MapPost("/fhir/Bundle", (HttpRequest request, ReferralIntake intake, CancellationToken cancellationToken) =>
            HandleAsync(request, intake, FhirReferralMapper.FromBundle, cancellationToken)).AddEndpointFilter(AcceptFilter);
        // The FHIR messaging endpoint integration engines post message Bundles to: the same as POST /fhir/Bundle.
        routes.Routes.MapPost("/fhir/$process-message", (HttpRequest request, ReferralIntake intake, CancellationToken cancellationToken) =>
            HandleAsync(request, intake, FhirReferralMapper.FromBundle, cancellationToken)).AddEndpointFilter(AcceptFilter);
        return routes;
    }

    /// <summary>GET /fhir/metadata: the CapabilityStatement. Mapped outside the credential check on purpose: as on any
    /// FHIR server, the capabilities interaction is how an integration engine learns what to send and how to
    /// authenticate before it holds a credential; it describes the interface only and reveals nothing of any child or
    /// referral.</summary>
    public static IEndpointRouteBuilder MapFhirMetadata(this IEndpointRouteBuilder routes, string agencyCode)
    {
        routes.MapGet("/fhir/metadata", (HttpRequest request) => Fhir(200, FhirCapabilities.Statement(agencyCode, $"{request.Scheme}://{request.Host}{request.PathBase}/fhir")))
            .AddEndpointFilter(AcceptFilter);
        return routes;
    }

    /// <summary>406 with an OperationOutcome when the Accept header (or _format) asks only for what the adapter cannot
    /// produce (XML, say); nothing is read or sent then.</summary>
    public static async ValueTask<object?> AcceptFilter(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var request = context.HttpContext.Request;
        if (request.Query["_format"].FirstOrDefault() is { Length: > 0 } format)
        {
            if (format is "json" or FhirJson or "application/json") return await next(context);
            return HeaderOutcome(406, OperationOutcome.IssueType.NotSupported, "_format",
                $"_format \"{format}\" cannot be produced: this server answers in {FhirJson} only; nothing was sent to the hub");
        }
        var accept = request.Headers.Accept;
        if (accept.Count == 0 || !Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParseList(accept, out var ranges) || ranges.Count == 0)
            return await next(context);
        if (ranges.Any(r => (r.Quality ?? 1) > 0 && Producible.Contains(r.MediaType.Value, StringComparer.OrdinalIgnoreCase)))
            return await next(context);
        return HeaderOutcome(406, OperationOutcome.IssueType.NotSupported, "Accept",
            $"\"{accept}\" cannot be produced: this server answers in {FhirJson} only; nothing was sent to the hub");
    }

    private static async Task<IResult> HandleAsync(HttpRequest request, ReferralIntake intake,
        Func<string, string, HealthSettings, DateTimeOffset, FhirReferral> map, CancellationToken cancellationToken)
    {
        if (request.ContentLength > MaxBodyBytes)
            return Outcome(413, OperationOutcome.IssueType.TooLong, $"the body must be at most {MaxBodyBytes} bytes");
        using var reader = new StreamReader(request.Body);
        var buffer = new char[MaxBodyBytes + 1];
        var read = await reader.ReadBlockAsync(buffer, cancellationToken);
        if (read > MaxBodyBytes) return Outcome(413, OperationOutcome.IssueType.TooLong, $"the body must be at most {MaxBodyBytes} bytes");

        var referral = map(new string(buffer, 0, read), intake.AgencyCode, intake.Settings, intake.Now);
        if (referral.Concern is null) return Fhir(400, referral.Outcome!);
        if (!await intake.SendAsync(referral.Concern, cancellationToken))
            return Outcome(503, OperationOutcome.IssueType.Transient, "the hub could not take the referral now: resend it");

        return Fhir(202, new OperationOutcome
        {
            Issue =
            [
                new OperationOutcome.IssueComponent
                {
                    Severity = OperationOutcome.IssueSeverity.Information,
                    Code = OperationOutcome.IssueType.Informational,
                    Diagnostics = $"Referral {referral.Concern.IdempotencyKey} sent to the hub for {referral.Concern.AddressedToAgencyCode}; " +
                                  "its progress will be sent to the EPR as Task updates",
                },
            ],
        });
    }

    /// <summary>A refusal about the request as a whole (its size, the hub's availability): no element to name.</summary>
    private static IResult Outcome(int status, OperationOutcome.IssueType code, string diagnostics) => Fhir(status, new OperationOutcome
    {
        Issue = [new OperationOutcome.IssueComponent { Severity = OperationOutcome.IssueSeverity.Error, Code = code, Diagnostics = diagnostics }],
    });

    /// <summary>A refusal about an HTTP header or parameter: its location is "http." + its name.</summary>
    private static IResult HeaderOutcome(int status, OperationOutcome.IssueType code, string header, string diagnostics) => Fhir(status, new OperationOutcome
    {
        Issue = [new OperationOutcome.IssueComponent { Severity = OperationOutcome.IssueSeverity.Error, Code = code, Diagnostics = diagnostics, Location = [$"http.{header}"] }],
    });

    private static IResult Fhir(int status, Resource resource) => Results.Text(Serializer.SerializeToString(resource), FhirJson, statusCode: status);
}
