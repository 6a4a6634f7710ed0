using EscalationHub.Contracts.Messages;

namespace EscalationHub.Adapters.SocialCare;

/// <summary>Stands in for a local authority's children's social care case system (the front door / MASH): it
/// decides the next step for a referral the way a duty team manager would, from the harm level and category.</summary>
public sealed class SimulatedSocialCareSystem(string? outageFile = null)
{
    public const string AcknowledgingRole = "Duty social worker";
    public const string DecidingRole = "Team manager, front door";

    /// <summary>A simulated outage of the case system (SocialCare:OutageFile: while that file exists the system is
    /// down), so operators can rehearse what a real outage does: the adapter's messages fail, are retried, land in
    /// the error queue, and are redriven once the system is back.</summary>
    public void EnsureAvailable()
    {
        if (outageFile is not null && File.Exists(outageFile))
            throw new CaseSystemUnavailableException("the children's social care case system is unavailable (simulated outage)");
    }

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

public sealed class CaseSystemUnavailableException(string message) : Exception(message);
