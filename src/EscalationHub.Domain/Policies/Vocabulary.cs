using System.Text.Json.Serialization;

namespace EscalationHub.Domain.Policies;

/// <summary>The kind of agency a party is; each has its own ladder of roles.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<AgencyType>))]
public enum AgencyType
{
    Health,
    Police,
    SocialCare,
    Education,
}

/// <summary>Harm level sets the clock: every stage deadline is the procedure's timescale or the protective one, whichever is less.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<HarmLevel>))]
public enum HarmLevel
{
    /// <summary>The procedure's own timescales.</summary>
    Standard,
    /// <summary>Escalated the same working day (Leicester).</summary>
    SignificantHarm,
    /// <summary>Act now: due immediately, the designated lead informed and the police called (Berkshire: dial 999).</summary>
    ImminentHarm,
}

/// <summary>What the disagreement is about: the union of the five procedures' lists.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<AreaOfDisagreement>))]
public enum AreaOfDisagreement
{
    ReferralBelowThreshold,
    ReferrerAskedForMoreInformation,
    WhetherChildProtectionProceduresInvoked,
    SingleOrJointAgencyEnquiry,
    NeedForChildInNeedMeeting,
    NeedForChildProtectionConference,
    /// <summary>Dissent from a child-protection conference decision (North Wales enters it at stage 3).</summary>
    ChildProtectionConferenceDecision,
    InformationSharingOrProvisionOfServices,
    AssessmentOutcomeOrAdequacyOfPlan,
    RolesAndResponsibilities,
    DriftOrLackOfProgressOnPlan,
    DecisionToCloseCase,
    NotChildFocused,
    CommunicationDifficulties,
    CoreGroupDisagreement,
    MedicalOpinionAfterExamination,
    Other,
}

/// <summary>How the final stage (the partnership's rung) can end a disagreement that no agreement settled.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<FinalOutcome>))]
public enum FinalOutcome
{
    /// <summary>North Wales stage 5.</summary>
    Mediation,
    /// <summary>North Wales stage 5.</summary>
    CaseFileAudit,
    /// <summary>A serious case review / child safeguarding practice review is recommended.</summary>
    MultiAgencyCaseReviewRecommended,
    /// <summary>Handed to the partnership (Leicester's internal procedure hands inter-agency disputes on; Cambridgeshire's QEG).</summary>
    ReferredToPartnership,
    /// <summary>Berkshire stage 4: the senior managers' meeting chair reports to the case review subgroup.</summary>
    ReferredToCaseReviewSubgroup,
    /// <summary>The partnership itself decides (London stage 5).</summary>
    PartnershipDecision,
}

/// <summary>What a stage needs before it can be resolved.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<CloseRequirement>))]
public enum CloseRequirement
{
    /// <summary>At least one record of a discussion in this stage.</summary>
    Record,
    /// <summary>At least one record of a meeting in this stage.</summary>
    Meeting,
    /// <summary>A record of this stage approved by every party (North Wales stage 1: signed by both).</summary>
    RecordSignedByAllParties,
    /// <summary>A record of this stage approved, and so dated, by every party's manager (London 1.9: managers "approve
    /// and date the record").</summary>
    RecordApprovedAndDated,
    /// <summary>Resolution only: the agreed outcome confirmed in writing by every party, i.e. a record of this stage
    /// approved by every party (Cambridgeshire: "written confirmation between the parties about an agreed outcome").
    /// A final outcome decided at the last stage does not need it: that is decided for the parties, not agreed by them.</summary>
    AgreedOutcomeConfirmedByAllParties,
}

/// <summary>Where a stage's procedure clock starts.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ClockStart>))]
public enum ClockStart
{
    /// <summary>When the disagreement enters the stage (escalation, or opening).</summary>
    StageEntered,
    /// <summary>When the concern was put in writing, i.e. when the disagreement was opened (North Wales stage 1).</summary>
    WrittenConcern,
    /// <summary>When the last meeting of the previous stage was held (North Wales stage 2: from the stage 1 meeting).</summary>
    PreviousStageMeeting,
}
