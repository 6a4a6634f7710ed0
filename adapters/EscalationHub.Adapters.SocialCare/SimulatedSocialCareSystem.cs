using EscalationHub.Adapters.Runtime;
using EscalationHub.Adapters.Runtime.AgencySystem;
using EscalationHub.Contracts.Messages;

namespace EscalationHub.Adapters.SocialCare;

/// <summary>Stands in for a local authority's children's social care case system (the front door / MASH): it
/// acknowledges each referral on receipt and decides the next step the way a duty team manager would, from the harm
/// level and category, answering through the adapter's HTTP interface rules.</summary>
public sealed class SimulatedSocialCareSystem(AgencyAdapter adapter, AgencyResponses responses)
    : AgencySystemSimulator(adapter, responses, ResponsePolicy.AnyRole)
{
    public const string AcknowledgingRole = "Duty social worker";
    public const string DecidingRole = "Team manager, front door";

    protected override IEnumerable<object> Answer(WebhookEnvelope envelope)
    {
        if (envelope is not { Kind: WebhookKinds.ConcernRaised, Concern: { } concern }) yield break;
        yield return Acknowledged(concern, AcknowledgingRole);
        var (decision, reason) = Decide(concern);
        yield return Decided(concern, DecidingRole, WebhookJson.Name(decision), reason);
    }

    public static (ConcernDecision Decision, string Reason) Decide(WebhookConcern concern) => concern switch
    {
        { HarmLevel: HarmLevel.ImminentHarm or HarmLevel.SignificantHarm } or { Category: ConcernCategory.NonAccidentalInjury } =>
            (ConcernDecision.StrategyDiscussion, "Reasonable cause to suspect significant harm: strategy discussion with police and health today"),
        { Category: ConcernCategory.SexualAbuse or ConcernCategory.PhysicalAbuse or ConcernCategory.CriminalExploitation or ConcernCategory.SexualExploitation } =>
            (ConcernDecision.MeetsThreshold, "Meets the threshold for a child and family assessment"),
        { Category: ConcernCategory.Other } =>
            (ConcernDecision.MoreInformationRequested, "More information is needed from the referrer before a decision"),
        _ => (ConcernDecision.EarlyHelp, "Below the statutory threshold: referred to the early help hub"),
    };
}
