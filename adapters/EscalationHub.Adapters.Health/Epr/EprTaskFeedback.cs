using EscalationHub.Adapters.Runtime;
using EscalationHub.Contracts.Messages;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using FhirTask = Hl7.Fhir.Model.Task;

namespace EscalationHub.Adapters.Health.Epr;

/// <summary>Tells the hospital's EPR what became of the referrals it sent, as FHIR R4 Task resources written with
/// PUT {EPR base}/Task/{id} (the whole Task each time, so a retried PUT is harmless; each starts from the Task last
/// sent, so authoredOn and every field an update does not change are kept):
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
    private static readonly FhirJsonDeserializer Deserializer = new(new DeserializerSettings());

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
            var advanced = await tasks.AdvanceAsync(id, key, rank, cancellationToken);
            key ??= await tasks.KeyAsync(id, cancellationToken);
            var previous = await tasks.LastTaskAsync(id, cancellationToken) is { } json ? Deserializer.DeserializeResource(json) as FhirTask : null;
            if (advanced) task = Merge(previous, task);
            // A newer status is already owed: this one must not move the Task back, but what it alone knows (the
            // acceptance's authoredOn and reference, overtaken on the wire) still completes the Task the EPR has.
            else if (previous is not null && FillIn(previous, task)) task = previous;
            else return;
        }
        if (key is not null && task.BasedOn.Count == 0) task.BasedOn.Add(new ResourceReference { Identifier = ReferralIdentifier(key), Type = "ServiceRequest" });

        var now = clock.GetUtcNow();
        task.LastModifiedElement = new FhirDateTime(now);
        var body = Serializer.SerializeToString(task);
        if (concernId is { } kept) await tasks.KeepTaskAsync(kept, body, cancellationToken);
        await adapter.Outbox.AddAsync(DeterministicId.For(cause, "epr-task"), $"task.{task.Status?.ToString().ToLowerInvariant()}", concernId,
            "PUT", $"Task/{task.Id}", body, now, cancellationToken);
    }

    /// <summary>PUT replaces the whole Task, so an update starts from the Task last sent and changes only what it says:
    /// status, businessStatus, owner, output, statusReason when it sets them; authoredOn once set never changes.</summary>
    private static FhirTask Merge(FhirTask? previous, FhirTask update)
    {
        if (previous is null) return update;
        var merged = (FhirTask)previous.DeepCopy();
        merged.Status = update.Status;
        merged.Intent = update.Intent ?? merged.Intent;
        if (update.BusinessStatus is not null) merged.BusinessStatus = update.BusinessStatus;
        if (update.StatusReason is not null) merged.StatusReason = update.StatusReason;
        if (update.Owner is not null) merged.Owner = update.Owner;
        if (update.Output.Count > 0) merged.Output = update.Output;
        if (update.Identifier.Count > 0) merged.Identifier = update.Identifier;
        merged.AuthoredOnElement ??= update.AuthoredOnElement;
        return merged;
    }

    /// <summary>Adds to the Task last sent what a late update alone knows; true when anything was added.</summary>
    private static bool FillIn(FhirTask previous, FhirTask late)
    {
        var changed = false;
        if (previous.AuthoredOnElement is null && late.AuthoredOnElement is not null) { previous.AuthoredOnElement = late.AuthoredOnElement; changed = true; }
        if (previous.Identifier.Count == 0 && late.Identifier.Count > 0) { previous.Identifier = late.Identifier; changed = true; }
        return changed;
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
