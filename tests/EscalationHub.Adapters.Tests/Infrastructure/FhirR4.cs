using Firely.Fhir.Validation;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Hl7.Fhir.Specification.Source;
using Hl7.Fhir.Specification.Terminology;

namespace EscalationHub.Adapters.Tests.Infrastructure;

/// <summary>The FHIR R4 core specification (Firely's validator over the specification.zip of 4.0.1): what an
/// integration engine's own validator would say of a resource. Terminology is checked only against what the core
/// specification holds (no terminology server): bindings it cannot expand are warnings, not errors.</summary>
public static class FhirR4
{
    private static readonly Lazy<Validator> Validator = new(() =>
    {
        var resolver = new CachedResolver(ZipSource.CreateValidationSource());
        return new Validator(resolver, new LocalTerminologyService(resolver.AsAsync()));
    });

    /// <summary>The errors (and fatal issues) the validator finds, as "expression: diagnostics"; empty when valid.</summary>
    public static IReadOnlyList<string> Errors(string json)
    {
        var resource = new FhirJsonDeserializer(new DeserializerSettings()).DeserializeResource(json);
        var outcome = Validator.Value.Validate(resource);
        return outcome.Issue.Where(i => i.Severity is OperationOutcome.IssueSeverity.Error or OperationOutcome.IssueSeverity.Fatal)
            .Select(i => $"{string.Join(",", i.Expression)}: {i.Details?.Text} {i.Diagnostics}").ToList();
    }
}
