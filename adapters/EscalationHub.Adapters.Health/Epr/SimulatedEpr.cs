using EscalationHub.Adapters.Runtime;
using EscalationHub.Adapters.Runtime.AgencySystem;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using FhirTask = Hl7.Fhir.Model.Task;

namespace EscalationHub.Adapters.Health.Epr;

/// <summary>Stands in for the hospital EPR's FHIR endpoint: it reads each update as a FHIR server would (a Task with
/// PUT Task/{id}, a Communication with POST Communication; anything else is refused, and retried like any refusal)
/// and records it.</summary>
public sealed class SimulatedEpr(AgencyAdapter adapter) : IAgencySystemTransport
{
    private static readonly FhirJsonDeserializer Deserializer = new(new DeserializerSettings());

    public async System.Threading.Tasks.Task DeliverAsync(AgencyDelivery delivery, CancellationToken cancellationToken)
    {
        if (!Deserializer.TryDeserializeResource(delivery.Body, out var resource, out var issues) || resource is not (FhirTask or Communication))
            throw new AgencySystemRefusedException("the EPR refused the update: " + string.Join("; ", issues.Select(i => i.Message)));
        var expected = resource is FhirTask task ? ("PUT", $"Task/{task.Id}") : ("POST", "Communication");
        if ((delivery.Method, delivery.Path) != expected)
            throw new AgencySystemRefusedException($"the EPR expects {expected.Item1} {expected.Item2}, got {delivery.Method} {delivery.Path}");
        await adapter.Simulator.RecordAsync(delivery.Id, delivery.Kind, delivery.Body, cancellationToken);
    }
}
