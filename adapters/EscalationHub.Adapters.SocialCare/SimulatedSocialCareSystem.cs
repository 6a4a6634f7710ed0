using EscalationHub.Contracts.Messages;

namespace EscalationHub.Adapters.SocialCare;

/// <summary>Stands in for a local authority's children's social care case system (the front door / MASH): it
/// decides the next step for a referral the way a duty team manager would, from the harm level and category.</summary>
public sealed class SimulatedSocialCareSystem
{
    public const string AcknowledgingRole = "Duty social worker";
    public const string DecidingRole = "Team manager, front door";

    public (ConcernDecision Decision, string Reason) Decide(ConcernRaised concern) => concern switch
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
