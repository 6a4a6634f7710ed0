namespace EscalationHub.Contracts.Messages;

// Bus messages of the disagreement (escalation) flow. Commands go from a party's adapter to the hub's inbound
// queue and end in the same handlers as the Escalations RPCs; notices go from the hub to each party's queue, and
// only to parties. Areas and outcomes travel as the names of the Escalations proto enums without their prefix
// (e.g. "ReferralBelowThreshold", "CaseFileAudit") so the wire does not depend on the hub's domain types.

public record OpenDisagreement(
    string IdempotencyKey,
    ActorRef RaisedBy,
    IReadOnlyList<string> RespondingAgencyCodes,
    IReadOnlyList<string> ChildFileIds,
    string Area,
    HarmLevel HarmLevel,
    string Summary,
    string? ProfileId = null,
    bool InfantNonAccidentalInjury = false);

public record RecordDiscussion(string DisagreementId, ActorRef By, DateTimeOffset HeldAt, string Summary, IReadOnlyList<string> Attendees, bool IsMeeting);

public record ApproveDisagreementRecord(string DisagreementId, ActorRef By, string RecordId);

public record EscalateDisagreement(string DisagreementId, ActorRef By, string Reason);

public record AgreedActionItem(string Who, string What, DateTimeOffset ByWhen);

public record ResolveDisagreement(string DisagreementId, ActorRef By, string Summary, IReadOnlyList<AgreedActionItem> AgreedActions);

public record DecideFinalOutcome(string DisagreementId, ActorRef By, string Outcome, string DecidedBy, string Summary);

public record GiveFeedback(string DisagreementId, ActorRef By, string Summary);

/// <summary>Learning for the partnership. <paramref name="Themes"/>: one or more codes of the learning vocabulary
/// (threshold-understanding, information-sharing, communication, escalation-timeliness, role-clarity, record-keeping,
/// other), which the partnership's report counts; <paramref name="Learning"/> is the parties' own words, never reported.</summary>
public record RecordLearning(string DisagreementId, ActorRef By, string Learning, IReadOnlyList<string>? Themes = null);

public record CloseDisagreement(string DisagreementId, ActorRef By);

/// <summary>Hub to a party: something happened to a disagreement it is party to.</summary>
public record DisagreementNotice(
    string DisagreementId,
    int Sequence,
    string EventType,
    DateTimeOffset At,
    string Description,
    string Status,
    int Stage,
    string StageName,
    DateTimeOffset? DeadlineAt,
    string? DeadlineRule,
    bool Automatic,
    bool Urgent,
    string? ExpectedRole,
    IReadOnlyList<string> MustInform,
    string RaisedByAgencyCode,
    IReadOnlyList<string> ChildFileIds)
{
    /// <summary>In the raiser's own notices only: the idempotency key it opened the disagreement with, so its case
    /// system can match the hub's DG- reference to its own id. Null in every other party's notices.</summary>
    public string? IdempotencyKey { get; init; }

    /// <summary>True when the receiving agency is not a party but an informed party of the procedure (North Wales: the
    /// local authority's Child Protection Co-ordinator when social care is not party): told of the stage, not party to
    /// the disagreement or to its children's files, so its adapter keeps no copy of them (the hub would refuse it).</summary>
    public bool InformedOnly { get; init; }
}

/// <summary>Hub to a party: the current stage's deadline is near and the disagreement is unresolved.</summary>
public record DeadlineApproaching(string DisagreementId, int Stage, string StageName, DateTimeOffset DeadlineAt, string DeadlineRule, string? ExpectedRole);

/// <summary>Hub to the acting party: its command was refused and nothing changed.</summary>
public record DisagreementCommandRefused(string? DisagreementId, string Command, string Reason)
{
    /// <summary>The MessageId of the refused command, so the sender can match the refusal to what it sent.</summary>
    public Guid? CommandMessageId { get; init; }

    /// <summary>For a refused OpenDisagreement: its idempotency key (there is no disagreement id to name).</summary>
    public string? IdempotencyKey { get; init; }
}
