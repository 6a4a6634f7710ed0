using System.Text.Json;

namespace EscalationHub.Adapters.Runtime.AgencySystem;

/// <summary>An agency's case system in miniature, in process, for the demo and the tests: it receives exactly the
/// webhook calls a real system would, records them in the adapter's SQLite file, and answers through the same
/// checks and path as the HTTP interface (<see cref="AgencyResponses"/>).</summary>
public abstract class AgencySystemSimulator(AgencyAdapter adapter, AgencyResponses responses, ResponsePolicy policy) : IAgencySystemTransport
{
    public async Task DeliverAsync(AgencyDelivery delivery, CancellationToken cancellationToken)
    {
        var envelope = WebhookJson.Deserialize(delivery.Body);
        // Answer first, record after: an answer resent after a crash keeps its id, and the hub applies it once. What the
        // system answers at once (an acknowledgement and its decision) it posts together, as a real system may.
        var answers = Answer(envelope).ToList();
        if (answers.Count > 0)
        {
            var body = JsonSerializer.SerializeToElement(answers.Count == 1 ? answers[0] : answers, WebhookJson.Options);
            var errors = await responses.SubmitAsync(adapter.AgencyCode, body, policy, cancellationToken);
            if (errors.HasErrors)
                throw new InvalidOperationException("the simulator's answer was refused: " +
                    string.Join("; ", errors.All.Select(e => $"{e.Key}: {string.Join(", ", e.Value)}")));
        }
        await adapter.Simulator.RecordAsync(delivery.Id, delivery.Kind, delivery.Body, cancellationToken);
    }

    /// <summary>The JSON bodies the system posts back for this webhook call (none for feedback).</summary>
    protected abstract IEnumerable<object> Answer(WebhookEnvelope envelope);

    protected static object Acknowledged(WebhookConcern concern, string role) =>
        new { kind = WebhookKinds.ConcernAcknowledged, concernId = concern.ConcernId, by = new { role } };

    protected static object Decided(WebhookConcern concern, string role, string decision, string reason, params string[] agreedActions) =>
        new { kind = WebhookKinds.ConcernDecided, concernId = concern.ConcernId, by = new { role }, decision, reason, agreedActions };
}
