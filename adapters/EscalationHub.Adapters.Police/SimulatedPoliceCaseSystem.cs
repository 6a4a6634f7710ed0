using EscalationHub.Adapters.Runtime;
using EscalationHub.Adapters.Runtime.AgencySystem;
using EscalationHub.Contracts.Messages;

namespace EscalationHub.Adapters.Police;

/// <summary>Stands in for a force's case system (the child abuse investigation team's queue): a detective constable
/// acknowledges, a detective sergeant decides with agreed actions.</summary>
public sealed class SimulatedPoliceCaseSystem(AgencyAdapter adapter, AgencyResponses responses)
    : AgencySystemSimulator(adapter, responses, PoliceAdapter.Policy)
{
    public const string AcknowledgingRole = "Detective Constable, CAIT";
    public const string DecidingRole = "Detective Sergeant, CAIT";

    protected override IEnumerable<object> Answer(WebhookEnvelope envelope)
    {
        if (envelope is not { Kind: WebhookKinds.ConcernRaised, Concern: { } concern }) yield break;
        yield return Acknowledged(concern, AcknowledgingRole);
        yield return concern is { HarmLevel: HarmLevel.ImminentHarm or HarmLevel.SignificantHarm } or { Category: ConcernCategory.NonAccidentalInjury or ConcernCategory.SexualAbuse }
            ? Decided(concern, DecidingRole, WebhookJson.Name(ConcernDecision.StrategyDiscussion),
                "Possible offences against a child: joint enquiry with children's social care",
                "Attend the strategy discussion today", "Research the household on police systems")
            : Decided(concern, DecidingRole, WebhookJson.Name(ConcernDecision.NoFurtherAction),
                "No offence disclosed; information shared with children's social care", "Record on the child's police file");
    }
}
