using EscalationHub.Domain.Calendar;

namespace EscalationHub.Domain.Policies;

/// <summary>
/// One partnership's procedure for resolving professional differences, loaded from a profile file.
/// Adding a partnership means adding a file, not a class.
/// </summary>
public sealed record PolicyProfile(
    string Id,
    string Name,
    string ShortName,
    string Source,
    IReadOnlyList<AgencyType> AgencyTypes,
    IReadOnlyList<Stage> Stages,
    IReadOnlyList<SpecialEntry> Entries,
    IReadOnlyList<HarmRule> HarmRules,
    HarmRule? InfantNonAccidentalInjury,
    IReadOnlyList<FinalOutcome> FinalOutcomes,
    string OutcomesReportedTo,
    string LearningReportedTo,
    string? Note)
{
    /// <summary>People outside the meeting whom the procedure says must be told of a stage (named by role in a stage's
    /// mustInform), and whose agency receives the stage notice, e.g. North Wales's Local Authority Child Protection
    /// Co-ordinator and the raiser's line manager.</summary>
    public IReadOnlyList<InformedParty> InformedParties { get; init; } = [];

    /// <summary>Areas the procedure says are not for its ladder (London: child-protection-conference dissent is
    /// "distinct from" resolving professional differences): opening one is refused with the reason given.</summary>
    public IReadOnlyList<RefusedArea> RefusedAreas { get; init; } = [];

    /// <summary>The procedure's own escalation record template, if it has one (Leicester UHL guideline 11, Appendix 1).</summary>
    public EscalationRecordTemplate? EscalationRecord { get; init; }

    public Stage FinalStage => Stages[^1];

    public Stage StageNumber(int number) => Stages[number - 1];

    /// <summary>The stage a disagreement about <paramref name="area"/> enters at: 1 unless the profile names another.</summary>
    public int EntryStageFor(AreaOfDisagreement area) =>
        Entries.FirstOrDefault(e => e.Area == area)?.Stage ?? 1;

    public IEnumerable<HarmRule> ProtectiveRulesFor(HarmLevel harm, bool infantNonAccidentalInjury)
    {
        foreach (var rule in HarmRules.Where(r => r.Harm == harm))
            yield return rule;
        if (infantNonAccidentalInjury && InfantNonAccidentalInjury is { } nai)
            yield return nai;
    }
}

/// <summary>A rung of the ladder. Most stages have one step; Berkshire stage 1 has two (practitioners, then line managers).</summary>
public sealed record Stage(
    int Number,
    string Name,
    IReadOnlyList<StageStep> Steps,
    IReadOnlyList<string> MustInform,
    IReadOnlyList<CloseRequirement> CloseRequires);

/// <summary>Who meets within a stage, by when, and the role each agency type is expected to send.</summary>
/// <param name="ReferralOnly">The timescale is the time to refer the case upwards when this stage has not settled it
/// (London stages 3 and 4: "referred without delay", "referred urgently"), not a resolution deadline: when it passes
/// the parties are warned that it has not been referred, and the hub does not escalate it by itself.</param>
public sealed record StageStep(
    string WhoMeets,
    Timescale Timescale,
    string TimescaleText,
    ClockStart ClockFrom,
    IReadOnlyDictionary<AgencyType, string> ExpectedRoles,
    bool ReferralOnly = false);

/// <summary>A disagreement about <see cref="Area"/> is not taken by this procedure; <see cref="Reason"/> says why and where it goes.</summary>
public sealed record RefusedArea(AreaOfDisagreement Area, string Reason);

/// <summary>A disagreement about <see cref="Area"/> enters at <see cref="Stage"/> rather than stage 1.</summary>
public sealed record SpecialEntry(AreaOfDisagreement Area, int Stage);

/// <summary>The record a procedure's template asks for at each escalation: its title and source, and the levels it lists
/// (level n is stage n of the ladder where the ladder has it; the template may list levels beyond the hub's ladder,
/// e.g. Leicester's up to the Service Manager, which the hub shows as not reached).</summary>
public sealed record EscalationRecordTemplate(string Title, string Source, IReadOnlyList<string> Levels);

/// <summary>Whose queue an informed party is reached on.</summary>
public enum InformedAgency
{
    /// <summary>The agency of the practitioner who raised the disagreement (e.g. their line manager).</summary>
    Raiser,
    /// <summary>The local authority: the children's social care agency that is party, or the partnership's own.</summary>
    LocalAuthority,
}

/// <summary>A role the procedure says must be informed (<see cref="Role"/>, as the stages' mustInform spell it), its
/// title in the procedure's words, and whose agency holds it.</summary>
public sealed record InformedParty(string Role, string Title, InformedAgency Agency);

/// <summary>A protective timescale, e.g. significant harm: same working day.</summary>
public sealed record HarmRule(HarmLevel Harm, Timescale Timescale, string Text);
