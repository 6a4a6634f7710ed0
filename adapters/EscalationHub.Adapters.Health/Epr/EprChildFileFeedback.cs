using EscalationHub.Adapters.Runtime;
using EscalationHub.Contracts.Messages;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;

namespace EscalationHub.Adapters.Health.Epr;

/// <summary>Tells the hospital's EPR that another agency joined a child file the hospital holds, as a FHIR R4
/// Communication (POST {EPR base}/Communication, category "party-joined"): which agency, through which concern or
/// disagreement, by whose action, when. No child's details: the hub's child file id names the file.</summary>
public sealed class EprChildFileFeedback(TimeProvider clock) : IChildFileFeedback
{
    public const string ChildFileSystem = "https://escalationhub.example/Id/child-file";

    private static readonly BaseFhirJsonSerializer Serializer = new(ModelInfo.ModelInspector);

    public async System.Threading.Tasks.Task ForwardAsync(AgencyAdapter adapter, Guid cause, ChildFilePartyJoined notice, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var id = DeterministicId.For(cause, "epr-child-file");
        var communication = new Communication
        {
            Id = id.ToString(),
            Status = EventStatus.Completed,
            Category = [new CodeableConcept(EprDisagreementFeedback.EventSystem, "party-joined", "party-joined")],
            Priority = RequestPriority.Routine,
            SentElement = new FhirDateTime(now),
            About = [new ResourceReference { Identifier = new Identifier(ChildFileSystem, notice.ChildFileId) }],
            Payload = [new Communication.PayloadComponent { Content = new FhirString(
                $"{notice.AgencyCode} joined child file {notice.ChildFileId} through {notice.Through} {notice.CaseId} " +
                $"({notice.By.Role}, {notice.By.AgencyCode}) at {notice.JoinedAt:yyyy-MM-dd HH:mm}Z") }],
        };
        await adapter.Outbox.AddAsync(id, "communication.party-joined", null, "POST", "Communication",
            Serializer.SerializeToString(communication), now, cancellationToken);
    }
}
