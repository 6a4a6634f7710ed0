using EscalationHub.Adapters.Runtime;
using EscalationHub.Adapters.Runtime.AgencySystem;
using Hl7.Fhir.Serialization;
using FhirTask = Hl7.Fhir.Model.Task;

namespace EscalationHub.Adapters.Health.Epr;

/// <summary>Stands in for the hospital EPR's FHIR endpoint: it reads each Task update as a FHIR server would (a body
/// that is not a valid Task is refused, and retried like any refusal) and records it.</summary>
public sealed class SimulatedEpr(AgencyAdapter adapter) : IAgencySystemTransport
{
    private static readonly FhirJsonDeserializer Deserializer = new(new DeserializerSettings());

    public async System.Threading.Tasks.Task DeliverAsync(AgencyDelivery delivery, CancellationToken cancellationToken)
    {
        if (!Deserializer.TryDeserializeResource(delivery.Body, out var resource, out var issues) || resource is not FhirTask task)
            throw new AgencySystemRefusedException("the EPR refused the Task: " + string.Join("; ", issues.Select(i => i.Message)));
        if (delivery.Method != "PUT" || delivery.Path != $"Task/{task.Id}")
            throw new AgencySystemRefusedException($"the EPR expects PUT Task/{task.Id}, got {delivery.Method} {delivery.Path}");
        await adapter.Simulator.RecordAsync(delivery.Id, delivery.Kind, delivery.Body, cancellationToken);
    }
}
