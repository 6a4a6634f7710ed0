using EscalationHub.Adapters.Runtime;
using EscalationHub.Adapters.Runtime.AgencySystem;
using EscalationHub.Contracts.Messages;

namespace EscalationHub.Adapters.Education;

/// <summary>Stands in for a school's safeguarding record system: the designated safeguarding lead acknowledges a
/// concern that names the school and records the school's response.</summary>
public sealed class SimulatedSchoolSafeguardingSystem(AgencyAdapter adapter, AgencyResponses responses)
    : AgencySystemSimulator(adapter, responses, ResponsePolicy.AnyRole)
{
    public const string Role = "Designated Safeguarding Lead";

    protected override IEnumerable<object> Answer(WebhookEnvelope envelope)
    {
        if (envelope is not { Kind: WebhookKinds.ConcernRaised, Concern: { } concern }) yield break;
        yield return Acknowledged(concern, Role);
        yield return Decided(concern, Role, WebhookJson.Name(ConcernDecision.EarlyHelp),
            "The school will support the child through its pastoral team and share attendance and welfare notes",
            "Daily check-in with the class teacher", "Share attendance weekly with the early help worker");
    }
}
