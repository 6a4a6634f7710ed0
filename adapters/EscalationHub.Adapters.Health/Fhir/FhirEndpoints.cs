using EscalationHub.Adapters.Runtime.AgencySystem;
using EscalationHub.Adapters.Health.Referrals;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;

namespace EscalationHub.Adapters.Health.Fhir;

/// <summary>POST /fhir/ServiceRequest and POST /fhir/Bundle (application/fhir+json). 202 with an informational
/// OperationOutcome once the broker has the RaiseConcern; 400 with an OperationOutcome (an issue per problem, with its
/// FHIRPath expression) and nothing sent; 503 when the hub cannot take it now (resend).</summary>
public static class FhirEndpoints
{
    public const string FhirJson = "application/fhir+json";
    public const int MaxBodyBytes = 1024 * 1024;

    private static readonly BaseFhirJsonSerializer Serializer = new(ModelInfo.ModelInspector);

    /// <summary>FHIR JSON (application/json too, as FHIR servers take it); refusals as an OperationOutcome.</summary>
    public static AgencySystemFormat Format { get; } = new([FhirJson, "application/json"], (status, detail) =>
        Outcome(status, status == 401 ? OperationOutcome.IssueType.Login : OperationOutcome.IssueType.NotSupported, "$", detail));

    public static AgencySystemRoutes MapFhirReferrals(this AgencySystemRoutes routes)
    {
        routes.Routes.MapPost("/fhir/ServiceRequest", (HttpRequest request, ReferralIntake intake, CancellationToken cancellationToken) =>
            HandleAsync(request, intake, FhirReferralMapper.FromServiceRequest, cancellationToken));
        routes.Routes.MapPost("/fhir/Bundle", (HttpRequest request, ReferralIntake intake, CancellationToken cancellationToken) =>
            HandleAsync(request, intake, FhirReferralMapper.FromBundle, cancellationToken));
        return routes;
    }

    private static async Task<IResult> HandleAsync(HttpRequest request, ReferralIntake intake,
        Func<string, string, HealthSettings, DateTimeOffset, FhirReferral> map, CancellationToken cancellationToken)
    {
        if (request.ContentLength > MaxBodyBytes)
            return Outcome(413, OperationOutcome.IssueType.TooLong, "$", $"the body must be at most {MaxBodyBytes} bytes");
        using var reader = new StreamReader(request.Body);
        var buffer = new char[MaxBodyBytes + 1];
        var read = await reader.ReadBlockAsync(buffer, cancellationToken);
        if (read > MaxBodyBytes) return Outcome(413, OperationOutcome.IssueType.TooLong, "$", $"the body must be at most {MaxBodyBytes} bytes");

        var referral = map(new string(buffer, 0, read), intake.AgencyCode, intake.Settings, intake.Now);
        if (referral.Concern is null) return Fhir(400, referral.Outcome!);
        if (!await intake.SendAsync(referral.Concern, cancellationToken))
            return Outcome(503, OperationOutcome.IssueType.Transient, "$", "the hub could not take the referral now: resend it");

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

    private static IResult Outcome(int status, OperationOutcome.IssueType code, string expression, string diagnostics) => Fhir(status, new OperationOutcome
    {
        Issue = [new OperationOutcome.IssueComponent { Severity = OperationOutcome.IssueSeverity.Error, Code = code, Diagnostics = diagnostics, Expression = [expression] }],
    });

    private static IResult Fhir(int status, Resource resource) => Results.Text(Serializer.SerializeToString(resource), FhirJson, statusCode: status);
}
