using System.Reflection;
using Hl7.Fhir.Model;
using Interaction = Hl7.Fhir.Model.CapabilityStatement.TypeRestfulInteraction;

namespace EscalationHub.Adapters.Health.Fhir;

/// <summary>The CapabilityStatement served at GET /fhir/metadata: what this adapter's FHIR interface actually does,
/// so an integration engine can configure itself from it. Keep it in step with the endpoints: a test compares the
/// interactions listed here with the routes mapped.</summary>
public static class FhirCapabilities
{
    public const string ProcessMessageDefinition = "http://hl7.org/fhir/OperationDefinition/MessageHeader-process-message";

    private const string Answers = "Answered 202 Accepted with an informational OperationOutcome once the hub's broker has confirmed it " +
        "(the resource is passed on, not stored here: no Location, no read); 400 with an OperationOutcome with one issue per " +
        "problem, each with the FHIRPath expression of its element (e.g. ServiceRequest.subject), and nothing sent; 401 without " +
        "the credential; 406 for an Accept it cannot produce; 413 over 1 MiB; 415 for a Content-Type other than " +
        "application/fhir+json (or application/json); 503 when the hub cannot take it now (resend).";

    public static CapabilityStatement Statement(string agencyCode, string baseUrl) => new()
    {
        Name = "EscalationHubHealthAdapter",
        Title = "EscalationHub health adapter (hospital EPR / ICE)",
        Status = PublicationStatus.Active,
        Experimental = false,
        Date = "2026-12-04",
        Publisher = "EscalationHub",
        Description = new Markdown("Safeguarding referrals from a hospital to children's social care through EscalationHub, and the " +
            "hospital's professional disagreement commands. What becomes of each referral goes back to the EPR as Task updates " +
            "(PUT Task/{id}) and Communications, which this server sends rather than serves."),
        Kind = CapabilityStatementKind.Instance,
        Software = new CapabilityStatement.SoftwareComponent
        {
            Name = "EscalationHub health adapter",
            Version = typeof(FhirCapabilities).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion,
        },
        Implementation = new CapabilityStatement.ImplementationComponent
        {
            // R4 types this description as string (R5 as markdown): set the element so it is serialised and validated as R4 says.
            DescriptionElement = new FhirString($"EscalationHub health adapter for agency {agencyCode}"),
            Url = baseUrl,
        },
        FhirVersion = FHIRVersion.N4_0_1,
        Format = ["application/fhir+json", "json"],
        Rest =
        [
            new CapabilityStatement.RestComponent
            {
                Mode = CapabilityStatement.RestfulCapabilityMode.Server,
                Documentation = new Markdown("FHIR R4 in JSON only; no search, read or history: this interface takes referrals and commands in."),
                Security = new CapabilityStatement.SecurityComponent
                {
                    Cors = false,
                    Description = new Markdown("Every interaction except GET /fhir/metadata needs the agency system's credential: " +
                        $"Authorization: Bearer <secret>, the secret made on the adapter's first start in its data folder " +
                        $"(agency-system-{agencyCode}.credential). Without it: 401 with WWW-Authenticate: Bearer and an OperationOutcome. " +
                        "This statement itself is public, as on any FHIR server: it describes the interface and holds no child's data."),
                },
                Resource =
                [
                    Resource("ServiceRequest", "A safeguarding referral whose subject is a contained Patient (\"#id\") with the child's NHS number, " +
                        "name, birth date and home postcode; reasonCode coded in https://escalationhub.example/CodeSystem/concern-category, " +
                        "or only in SNOMED CT from the documented table (any other SNOMED CT concept is refused). " + Answers),
                    Resource("Bundle", "A message Bundle (type message, its MessageHeader first) carrying a referral: the ServiceRequest in " +
                        "focus and its Patient entry. The same as $process-message. " + Answers),
                    Resource("Task", "A professional disagreement command (Task.code from https://escalationhub.example/CodeSystem/disagreement-command: " +
                        "open, record-discussion, escalate, resolve...), status requested, intent order. " + Answers),
                ],
                Operation =
                [
                    new CapabilityStatement.OperationComponent
                    {
                        Name = "process-message",
                        Definition = ProcessMessageDefinition,
                        Documentation = new Markdown("POST /fhir/$process-message with a message Bundle carrying a referral (asynchronous: " +
                            "answered 202, no response message). " + Answers),
                    },
                ],
            },
        ],
    };

    private static CapabilityStatement.ResourceComponent Resource(string type, string documentation) => new()
    {
        Type = type,
        Documentation = new Markdown(documentation),
        Interaction = [new CapabilityStatement.ResourceInteractionComponent { Code = Interaction.Create, Documentation = new Markdown("POST /fhir/" + type) }],
        Versioning = CapabilityStatement.ResourceVersionPolicy.NoVersion,
        ReadHistory = false,
        UpdateCreate = false,
        ConditionalCreate = false,
        ConditionalUpdate = false,
        ConditionalDelete = CapabilityStatement.ConditionalDeleteStatus.NotSupported,
    };
}
