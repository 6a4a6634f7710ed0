using System.Globalization;
using EscalationHub.Adapters.Health.Referrals;
using EscalationHub.Adapters.Runtime.AgencySystem;
using EscalationHub.Contracts.Messages;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Hl7.Fhir.Utility;
using IssueType = Hl7.Fhir.Model.OperationOutcome.IssueType;

namespace EscalationHub.Adapters.Health.Fhir;

/// <summary>A referral read from FHIR: the concern to raise, or an OperationOutcome with one issue per problem.</summary>
public sealed record FhirReferral(RaiseConcern? Concern, OperationOutcome? Outcome);

/// <summary>FHIR R4 referrals (parsed with the Firely SDK) as a RaiseConcern:
/// <list type="bullet">
/// <item>POST /fhir/ServiceRequest: a ServiceRequest whose subject is a contained Patient ("#id").</item>
/// <item>POST /fhir/Bundle: a message Bundle (type "message") whose first entry is a MessageHeader; its focus (or the
/// first ServiceRequest entry) is the referral, its subject a Patient entry (by fullUrl or "Patient/id").</item>
/// </list>
/// ServiceRequest.identifier (system|value) is the idempotency key; priority routine -> standard, urgent/asap ->
/// significant harm, stat -> imminent harm; reasonCode coded in <see cref="ConcernCodes.FhirSystem"/> gives the category,
/// else one coded only in SNOMED CT through <see cref="ConcernCodes.Snomed"/> (a concept not in it is refused), else Other; requester.display is the role; reasonCode text and note are the details. Patient: the NHS number
/// (identifier system https://fhir.nhs.uk/Id/nhs-number, modulus 11 checked), the official (or first) name, birthDate,
/// and the home (or first) address's postalCode, which picks the local authority.</summary>
public static class FhirReferralMapper
{
    public const string NhsNumberSystem = "https://fhir.nhs.uk/Id/nhs-number";

    private static readonly FhirJsonDeserializer Deserializer = new(new DeserializerSettings());

    public static FhirReferral FromServiceRequest(string json, string agencyCode, HealthSettings settings, DateTimeOffset now)
    {
        var issues = new Issues();
        if (Parse(json, "ServiceRequest", issues) is not ServiceRequest request) return new(null, issues.Outcome);
        Patient? patient = null;
        var patientPath = "ServiceRequest.subject";
        var reference = request.Subject?.Reference;
        if (reference is null || !reference.StartsWith('#'))
            issues.Add(IssueType.Required, "ServiceRequest.subject", "must reference a contained Patient (\"#id\") with the child's name, birth date and NHS number");
        else
        {
            var index = request.Contained.FindIndex(r => r is Patient && r.Id == reference[1..]);
            if (index < 0) issues.Add(IssueType.NotFound, "ServiceRequest.subject.reference", $"no contained Patient with id \"{reference[1..]}\"");
            else
            {
                patient = (Patient)request.Contained[index];
                patientPath = $"ServiceRequest.contained[{index}]";
            }
        }
        return Map(request, "ServiceRequest", patient, patientPath, agencyCode, settings, now, issues);
    }

    public static FhirReferral FromBundle(string json, string agencyCode, HealthSettings settings, DateTimeOffset now)
    {
        var issues = new Issues();
        if (Parse(json, "Bundle", issues) is not Bundle bundle) return new(null, issues.Outcome);
        if (bundle.Type != Bundle.BundleType.Message)
            issues.Add(IssueType.Value, "Bundle.type", "must be \"message\"");
        // Without its MessageHeader the Bundle is refused, but its referral is still checked: every problem is reported at once.
        var header = bundle.Entry.FirstOrDefault()?.Resource as MessageHeader;
        if (header is null)
            issues.Add(IssueType.Structure, "Bundle.entry[0].resource", "the first entry of a message Bundle must be its MessageHeader");

        var focus = header?.Focus.Select(f => f.Reference).FirstOrDefault();
        var requestIndex = focus is null ? -1 : IndexOf(bundle, focus, "ServiceRequest");
        if (requestIndex < 0) requestIndex = bundle.Entry.FindIndex(e => e.Resource is ServiceRequest);
        if (requestIndex < 0)
        {
            issues.Add(IssueType.Required, "Bundle.entry", "the message carries no ServiceRequest (the referral)");
            return new(null, issues.Outcome);
        }

        var request = (ServiceRequest)bundle.Entry[requestIndex].Resource!;
        var requestPath = $"Bundle.entry[{requestIndex}].resource";
        Patient? patient = null;
        var patientPath = $"{requestPath}.subject";
        var subject = request.Subject?.Reference;
        if (subject is null) issues.Add(IssueType.Required, $"{requestPath}.subject", "must reference the Patient entry (the child)");
        else
        {
            var patientIndex = IndexOf(bundle, subject, "Patient");
            if (patientIndex < 0) issues.Add(IssueType.NotFound, $"{requestPath}.subject.reference", $"no Patient entry \"{subject}\" in the Bundle");
            else
            {
                patient = (Patient)bundle.Entry[patientIndex].Resource!;
                patientPath = $"Bundle.entry[{patientIndex}].resource";
            }
        }
        return Map(request, requestPath, patient, patientPath, agencyCode, settings, now, issues);
    }

    private static FhirReferral Map(ServiceRequest request, string path, Patient? patient, string patientPath, string agencyCode,
        HealthSettings settings, DateTimeOffset now, Issues issues)
    {
        var identifier = request.Identifier.FirstOrDefault(i => !string.IsNullOrWhiteSpace(i.Value));
        var key = identifier is null ? null : $"fhir:{identifier.System}|{identifier.Value}";
        if (identifier is null) issues.Add(IssueType.Required, $"{path}.identifier", "the referral's identifier is required (it makes a resend recognisable)");
        else ConcernChecks.Key(key, e => issues.Add(IssueType.Value, $"{path}.identifier[0].value", e));

        if (request.Status is not (RequestStatus.Active or null))
            issues.Add(IssueType.Value, $"{path}.status", $"must be \"active\" for a new referral (got \"{request.Status.GetLiteral()}\")");

        var harm = request.Priority switch
        {
            RequestPriority.Stat => HarmLevel.ImminentHarm,
            RequestPriority.Urgent or RequestPriority.Asap => HarmLevel.SignificantHarm,
            _ => HarmLevel.Standard,
        };

        // The hub's own code wins; a reason coded only in SNOMED CT takes its category from the documented table, or is
        // refused (never filed as Other); a reason coded in neither is Other.
        ConcernCategory? category = null;
        var unmappedSnomed = new List<(string Expression, string? Code)>();
        ConcernCategory? snomedCategory = null;
        for (var i = 0; i < request.ReasonCode.Count; i++)
        for (var j = 0; j < request.ReasonCode[i].Coding.Count; j++)
        {
            var coding = request.ReasonCode[i].Coding[j];
            var expression = $"{path}.reasonCode[{i}].coding[{j}].code";
            if (coding.System == ConcernCodes.FhirSystem)
            {
                if (coding.Code is not null && ConcernCodes.TryCategory(coding.Code, out var coded)) category ??= coded;
                else issues.Add(IssueType.CodeInvalid, expression, $"\"{coding.Code}\" is not a concern category code of {ConcernCodes.FhirSystem}");
            }
            else if (coding.System == ConcernCodes.SnomedFhirSystem)
            {
                if (ConcernCodes.TrySnomed(coding.Code, out var mapped)) snomedCategory ??= mapped;
                else unmappedSnomed.Add((expression, coding.Code));
            }
        }
        if (category is null && snomedCategory is null)
            foreach (var (expression, code) in unmappedSnomed)
                issues.Add(IssueType.CodeInvalid, expression, $"SNOMED CT concept \"{code}\" is not in the adapter's table of safeguarding reasons " +
                    $"({ConcernCodes.SnomedListed}; see docs/adapters.md): code the reason in {ConcernCodes.FhirSystem} too, or send it as text only");

        var role = request.Requester?.Display is { Length: > 0 } display ? display.Trim() : Referrals.Hl7ReferralMapper.DefaultRole;
        if (role.Length > ConcernChecks.MaxNameLength) role = role[..ConcernChecks.MaxNameLength];

        var lines = request.ReasonCode.Select(r => r.Text ?? r.Coding.FirstOrDefault()?.Display).Where(t => !string.IsNullOrWhiteSpace(t)).Select(t => t!.Trim()).ToList();
        lines.AddRange(request.Note.Select(n => n.Text?.Trim()).Where(t => !string.IsNullOrEmpty(t))!);
        var details = string.Join("\n", lines);
        ConcernChecks.Details(details, e => issues.Add(e == "is required" ? IssueType.Required : IssueType.TooLong, $"{path}.note", $"the referral's details (reasonCode text, note) {e}"));

        ChildDetails? child = null;
        string? localAuthority = null;
        if (patient is not null) (child, localAuthority) = Child(patient, patientPath, settings, now, issues);

        if (issues.HasErrors || child is null) return new(null, issues.Outcome);
        return new(new RaiseConcern(key!, child, new ActorRef(agencyCode, role), localAuthority!, category ?? snomedCategory ?? ConcernCategory.Other, harm, details), null);
    }

    private static (ChildDetails?, string?) Child(Patient patient, string path, HealthSettings settings, DateTimeOffset now, Issues issues)
    {
        string? nhsNumber = null;
        for (var i = 0; i < patient.Identifier.Count; i++)
        {
            if (patient.Identifier[i].System != NhsNumberSystem) continue;
            nhsNumber = ConcernChecks.NhsNumberOrNull(patient.Identifier[i].Value, e => issues.Add(IssueType.Value, $"{path}.identifier[{i}].value", $"{e}: \"{patient.Identifier[i].Value}\""));
            if (string.IsNullOrWhiteSpace(patient.Identifier[i].Value)) issues.Add(IssueType.Required, $"{path}.identifier[{i}].value", "the NHS number is empty");
            break;
        }

        var nameIndex = patient.Name.FindIndex(n => n.Use == HumanName.NameUse.Official);
        if (nameIndex < 0) nameIndex = patient.Name.Count > 0 ? 0 : -1;
        var name = nameIndex < 0 ? null : patient.Name[nameIndex];
        var namePath = $"{path}.name[{Math.Max(nameIndex, 0)}]";
        var family = name?.Family ?? "";
        var given = name?.Given.FirstOrDefault() ?? "";
        ConcernChecks.Name(family, e => issues.Add(IssueType.Required, $"{namePath}.family", $"family name {e}"));
        ConcernChecks.Name(given, e => issues.Add(IssueType.Required, $"{namePath}.given[0]", $"given name {e}"));

        DateOnly? birth = null;
        if (string.IsNullOrEmpty(patient.BirthDate)) issues.Add(IssueType.Required, $"{path}.birthDate", "the date of birth is required");
        else if (DateOnly.TryParseExact(patient.BirthDate, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed)) birth = parsed;
        else issues.Add(IssueType.Value, $"{path}.birthDate", $"\"{patient.BirthDate}\" must be a full date (yyyy-MM-dd)");
        if (birth is not null) ConcernChecks.DateOfBirth(birth, now, e => issues.Add(IssueType.Value, $"{path}.birthDate", $"the date of birth {e}"));

        var addressIndex = patient.Address.FindIndex(a => a.Use == Address.AddressUse.Home);
        if (addressIndex < 0 && patient.Address.Count > 0) addressIndex = 0;
        var postcode = addressIndex < 0 ? null : patient.Address[addressIndex].PostalCode;
        var localAuthority = settings.LocalAuthorityFor(postcode);
        if (localAuthority is null)
            issues.Add(IssueType.Value, $"{path}.address[{Math.Max(addressIndex, 0)}].postalCode", $"no local authority is configured for the postcode \"{postcode}\"");

        return issues.HasErrors || birth is null ? (null, null) : (ConcernChecks.Child(nhsNumber, given, family, birth.Value), localAuthority);
    }

    private static Resource? Parse(string json, string expected, Issues issues)
    {
        Resource? resource;
        IEnumerable<CodedException> errors;
        bool parsed;
        try
        {
            parsed = Deserializer.TryDeserializeResource(json, out resource, out errors);
        }
        catch (System.Text.Json.JsonException ex)
        {
            issues.Add(IssueType.Structure, expected, $"the body is not JSON: {ex.Message}");
            return null;
        }
        if (!parsed)
        {
            foreach (var error in errors)
            {
                var location = error is ExtendedCodedException { InstancePath: { Length: > 0 } instancePath } ? instancePath : expected;
                issues.Add(IssueType.Structure, location, error.Message);
            }
            if (!issues.HasErrors) issues.Add(IssueType.Structure, expected, "the body is not a FHIR R4 resource in JSON");
            return null;
        }
        if (resource?.TypeName != expected)
        {
            issues.Add(IssueType.Invalid, "resourceType", $"must be \"{expected}\" (got \"{resource?.TypeName}\")");
            return null;
        }
        return resource;
    }

    private static int IndexOf(Bundle bundle, string reference, string type)
    {
        for (var i = 0; i < bundle.Entry.Count; i++)
        {
            var entry = bundle.Entry[i];
            if (entry.Resource?.TypeName != type) continue;
            if (entry.FullUrl == reference || $"{type}/{entry.Resource.Id}" == reference || (entry.FullUrl?.EndsWith("/" + reference, StringComparison.Ordinal) ?? false))
                return i;
        }
        return -1;
    }

    /// <summary>Issues collected as an OperationOutcome: severity error, a code, the FHIRPath expression, diagnostics.</summary>
    private sealed class Issues
    {
        public OperationOutcome Outcome { get; } = new();

        public bool HasErrors => Outcome.Issue.Count > 0;

        public void Add(IssueType code, string expression, string diagnostics) => Outcome.Issue.Add(new OperationOutcome.IssueComponent
        {
            Severity = OperationOutcome.IssueSeverity.Error,
            Code = code,
            Diagnostics = diagnostics,
            Expression = [expression],
        });
    }
}
