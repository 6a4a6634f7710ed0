using EscalationHub.Adapters.Runtime;
using EscalationHub.Contracts.Messages;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using FhirTask = Hl7.Fhir.Model.Task;

namespace EscalationHub.Adapters.Health.Epr;

/// <summary>Tells the hospital's EPR what became of the referrals it sent, as FHIR R4 Task resources written with
/// PUT {EPR base}/Task/{id} (the whole Task each time, so a retried PUT is harmless):
/// accepted by the hub -> status "received"; acknowledged by the local authority -> "accepted"; decided ->
/// "completed" with the decision in businessStatus and its reason in output; refused by the hub -> "rejected" with
/// the fields at fault in statusReason. Task.id is the hub's concern id (for a refusal, one derived from the
/// referral's key); Task.basedOn names the referral by its identifier; Task.identifier carries the hub's reference.
/// Disagreements go to the EPR through <see cref="EprDisagreementFeedback"/>.</summary>
public sealed class EprTaskFeedback(ReferralTasks tasks, TimeProvider clock) : IConcernFeedback
{
    public const string ConcernSystem = "https://escalationhub.example/Id/concern";
    public const string DecisionSystem = "https://escalationhub.example/CodeSystem/concern-decision";
    public const string Hl7ControlIdSystem = "urn:escalationhub:hl7v2-message-control-id";

    private static readonly BaseFhirJsonSerializer Serializer = new(ModelInfo.ModelInspector);

    // Feedback messages are consumed concurrently: checking "is this status newer?" and queueing the update must be
    // one step, or an older status checked first could be queued after a newer one.
    private readonly SemaphoreSlim oneAtATime = new(1, 1);

    public async System.Threading.Tasks.Task ForwardAsync(AgencyAdapter adapter, Guid cause, object feedback, CancellationToken cancellationToken)
    {
        await oneAtATime.WaitAsync(cancellationToken);
        try
        {
            await ForwardInOrderAsync(adapter, cause, feedback, cancellationToken);
        }
        finally
        {
            oneAtATime.Release();
        }
    }

    private async System.Threading.Tasks.Task ForwardInOrderAsync(AgencyAdapter adapter, Guid cause, object feedback, CancellationToken cancellationToken)
    {
        var (task, concernId, rank, key) = feedback switch
        {
            ConcernAccepted a => (Accepted(a), (Guid?)a.ConcernId, 1, a.IdempotencyKey),
            ConcernStatusChanged { Status: ConcernStatus.Acknowledged } s => (StatusChanged(s, FhirTask.TaskStatus.Accepted), s.ConcernId, 2, null),
            ConcernStatusChanged { Status: ConcernStatus.Decided } s => (StatusChanged(s, FhirTask.TaskStatus.Completed), s.ConcernId, 3, null),
            ConcernStatusChanged s => (StatusChanged(s, FhirTask.TaskStatus.Received), s.ConcernId, 1, null),
            ConcernRefused r => (Refused(r), null, 0, r.IdempotencyKey),
            _ => throw new ArgumentException($"not concern feedback: {feedback.GetType().Name}", nameof(feedback)),
        };

        if (concernId is { } id)
        {
            if (!await tasks.AdvanceAsync(id, key, rank, cancellationToken)) return; // a newer status is already owed
            key ??= await tasks.KeyAsync(id, cancellationToken);
        }
        if (key is not null) task.BasedOn.Add(new ResourceReference { Identifier = ReferralIdentifier(key), Type = "ServiceRequest" });

        var now = clock.GetUtcNow();
        task.LastModifiedElement = new FhirDateTime(now);
        await adapter.Outbox.AddAsync(DeterministicId.For(cause, "epr-task"), $"task.{task.Status?.ToString().ToLowerInvariant()}", concernId,
            "PUT", $"Task/{task.Id}", Serializer.SerializeToString(task), now, cancellationToken);
    }

    private static FhirTask Accepted(ConcernAccepted a) => new()
    {
        Id = a.ConcernId.ToString(),
        Status = FhirTask.TaskStatus.Received,
        Intent = FhirTask.TaskIntent.Order,
        Identifier = [new Identifier(ConcernSystem, a.Reference)],
        BusinessStatus = new CodeableConcept { Text = $"Received by EscalationHub as {a.Reference}" },
        AuthoredOnElement = new FhirDateTime(a.RaisedAt),
    };

    private static FhirTask StatusChanged(ConcernStatusChanged s, FhirTask.TaskStatus status)
    {
        var task = new FhirTask
        {
            Id = s.ConcernId.ToString(),
            Status = status,
            Intent = FhirTask.TaskIntent.Order,
            Identifier = [new Identifier(ConcernSystem, s.Reference)],
            Owner = new ResourceReference { Display = $"{s.By.Role} ({s.By.AgencyCode})" },
            BusinessStatus = new CodeableConcept { Text = s.Status.ToString() },
        };
        if (s.Decision is { } decision)
        {
            var code = Runtime.AgencySystem.WebhookJson.Name(decision);
            task.BusinessStatus = new CodeableConcept(DecisionSystem, code, decision.ToString(), decision.ToString());
            if (s.Reason is { Length: > 0 } reason)
                task.Output.Add(new FhirTask.OutputComponent { Type = new CodeableConcept { Text = "Decision reason" }, Value = new FhirString(reason) });
        }
        return task;
    }

    private static FhirTask Refused(ConcernRefused r) => new()
    {
        Id = DeterministicId.For(Guid.Empty, $"refused/{r.IdempotencyKey}").ToString(),
        Status = FhirTask.TaskStatus.Rejected,
        Intent = FhirTask.TaskIntent.Order,
        StatusReason = new CodeableConcept { Text = "Refused by EscalationHub: " + string.Join("; ", r.Errors.Select(e => $"{e.Field}: {e.Description}")) },
    };

    /// <summary>The referral as its sender named it: the ServiceRequest identifier, or the HL7 message control id.</summary>
    public static Identifier ReferralIdentifier(string key)
    {
        if (key.StartsWith("fhir:", StringComparison.Ordinal))
        {
            var parts = key[5..].Split('|', 2);
            return new Identifier(parts[0].Length == 0 ? null : parts[0], parts.Length > 1 ? parts[1] : "");
        }
        return new Identifier(Hl7ControlIdSystem, key.StartsWith("hl7:", StringComparison.Ordinal) ? key[4..] : key);
    }
}
