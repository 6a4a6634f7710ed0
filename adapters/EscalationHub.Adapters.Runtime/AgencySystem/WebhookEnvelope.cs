using System.Text.Json;
using System.Text.Json.Serialization;
using EscalationHub.Contracts.Messages;

namespace EscalationHub.Adapters.Runtime.AgencySystem;

/// <summary>What the webhook kinds are called on the agency system's interface. Receivers must ignore (answer 2xx to)
/// kinds they do not know: new ones may be added.</summary>
public static class WebhookKinds
{
    public const string ConcernRaised = "concern.raised";
    public const string ConcernAccepted = "concern.accepted";
    public const string ConcernRefused = "concern.refused";
    public const string ConcernStatusChanged = "concern.status-changed";

    // Agency system to adapter (POST {base}/responses).
    public const string ConcernAcknowledged = "concern.acknowledged";
    public const string ConcernDecided = "concern.decided";

    /// <summary>"disagreement." + the hub's event type: opened, stage-entered, record-added, record-approved, escalated,
    /// harm-reassessed, resolved, final-outcome-decided, feedback-given, learning-captured, closed.</summary>
    public const string DisagreementPrefix = "disagreement.";
    public const string DisagreementDeadlineApproaching = "disagreement.deadline-approaching";
    public const string DisagreementCommandRefused = "disagreement.command-refused";

    public static string ForDisagreementEvent(string eventType) => DisagreementPrefix + eventType;

    /// <summary>Another agency joined a child file the agency holds (<see cref="WebhookChildFile"/>).</summary>
    public const string ChildFilePartyJoined = "child-file.party-joined";
}

/// <summary>The JSON body of every webhook call to an agency system (documented in each adapter's README.md).</summary>
public sealed record WebhookEnvelope(
    string Kind,
    Guid DeliveryId,
    string AgencyCode,
    DateTimeOffset SentAt,
    WebhookConcern? Concern = null,
    WebhookFeedback? Feedback = null,
    WebhookDisagreement? Disagreement = null,
    WebhookChildFile? ChildFile = null);

/// <summary>Another agency joined a child file this agency holds (kind "child-file.party-joined"): which, through which
/// concern or disagreement (<see cref="Through"/> "concern" or "disagreement", <see cref="CaseId"/>), by whose action,
/// when. No child's details.</summary>
public sealed record WebhookChildFile(string ChildFileId, string JoinedAgencyCode, string Through, string CaseId, WebhookActor By, DateTimeOffset JoinedAt);

public sealed record WebhookChild(string? NhsNumber, string GivenName, string FamilyName, DateOnly DateOfBirth);

public sealed record WebhookActor(string AgencyCode, string Role);

/// <summary>A concern addressed to the agency, for it to acknowledge and decide.</summary>
public sealed record WebhookConcern(
    Guid ConcernId,
    string Reference,
    string ChildFileId,
    WebhookChild Child,
    WebhookActor RaisedBy,
    string AddressedToAgencyCode,
    ConcernCategory Category,
    HarmLevel HarmLevel,
    string Details,
    DateTimeOffset RaisedAt,
    DateTimeOffset? DecisionDueAt);

/// <summary>What the hub says about a concern the agency raised: accepted (with the hub's reference), refused (with
/// the fields at fault), or a later status.</summary>
public sealed record WebhookFeedback(
    string? IdempotencyKey,
    Guid? ConcernId,
    string? Reference,
    ConcernStatus? Status,
    WebhookActor? By,
    DateTimeOffset? At,
    ConcernDecision? Decision,
    string? Reason,
    IReadOnlyList<FieldError>? Errors,
    string? ChildFileId = null,
    DateTimeOffset? AcknowledgedAt = null);

/// <summary>What happened to a disagreement the agency is party to (kind "disagreement.{eventType}"), a deadline that
/// is near ("disagreement.deadline-approaching"), or a command of the agency's the hub refused
/// ("disagreement.command-refused", with <see cref="RefusedCommand"/>). Free text stays with the parties: the hub's
/// description carries structure only. <see cref="Sequence"/> orders a disagreement's events (deliveries may not).</summary>
public sealed record WebhookDisagreement(
    string? DisagreementId,
    int? Sequence = null,
    string? EventType = null,
    DateTimeOffset? At = null,
    string? Description = null,
    string? Status = null,
    int? Stage = null,
    string? StageName = null,
    DateTimeOffset? DeadlineAt = null,
    string? DeadlineRule = null,
    bool? Automatic = null,
    bool? Urgent = null,
    string? ExpectedRole = null,
    IReadOnlyList<string>? MustInform = null,
    string? RaisedByAgencyCode = null,
    IReadOnlyList<string>? ChildFileIds = null,
    string? CommandId = null,
    WebhookRefusal? RefusedCommand = null);

/// <summary>A command of the agency's that the hub refused (nothing changed): which, the agency's own id for it, why.</summary>
public sealed record WebhookRefusal(string Command, string? CommandId, string Reason);

public static class WebhookJson
{
    /// <summary>camelCase members, enums as kebab-case strings ("significant-harm", "strategy-discussion"), nulls left out.</summary>
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower, allowIntegerValues: false) },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static string Serialize(WebhookEnvelope envelope) => JsonSerializer.Serialize(envelope, Options);

    public static WebhookEnvelope Deserialize(string json) =>
        JsonSerializer.Deserialize<WebhookEnvelope>(json, Options) ?? throw new JsonException("empty envelope");

    /// <summary>The kebab-case wire name of an enum value, e.g. "strategy-discussion".</summary>
    public static string Name<T>(T value) where T : struct, Enum => JsonNamingPolicy.KebabCaseLower.ConvertName(value.ToString());

    public static bool TryParse<T>(string? text, out T value) where T : struct, Enum
    {
        foreach (var candidate in Enum.GetValues<T>())
        {
            if (string.Equals(Name(candidate), text, StringComparison.OrdinalIgnoreCase)
                || string.Equals(candidate.ToString(), text, StringComparison.OrdinalIgnoreCase))
            {
                value = candidate;
                return true;
            }
        }
        value = default;
        return false;
    }

    public static WebhookEnvelope ForConcern(ConcernRaised c, Guid deliveryId, string agencyCode, DateTimeOffset now) => new(
        WebhookKinds.ConcernRaised, deliveryId, agencyCode, now,
        Concern: new WebhookConcern(c.ConcernId, c.Reference, c.ChildFileId,
            new WebhookChild(c.Child.NhsNumber, c.Child.GivenName, c.Child.FamilyName, c.Child.DateOfBirth),
            new WebhookActor(c.RaisedBy.AgencyCode, c.RaisedBy.Role), c.AddressedToAgencyCode, c.Category, c.HarmLevel,
            c.Details, c.RaisedAt, c.DecisionDueAt));

    public static WebhookEnvelope ForFeedback(object feedback, Guid deliveryId, string agencyCode, DateTimeOffset now) => feedback switch
    {
        ConcernAccepted a => new(WebhookKinds.ConcernAccepted, deliveryId, agencyCode, now,
            Feedback: new WebhookFeedback(a.IdempotencyKey, a.ConcernId, a.Reference, ConcernStatus.Received, null, a.RaisedAt, null, null, null, a.ChildFileId)),
        ConcernRefused r => new(WebhookKinds.ConcernRefused, deliveryId, agencyCode, now,
            Feedback: new WebhookFeedback(r.IdempotencyKey, null, null, null, null, null, null, null, r.Errors)),
        ConcernStatusChanged s => new(WebhookKinds.ConcernStatusChanged, deliveryId, agencyCode, now,
            Feedback: new WebhookFeedback(null, s.ConcernId, s.Reference, s.Status, new WebhookActor(s.By.AgencyCode, s.By.Role), s.At,
                s.Decision, s.Reason, null, AcknowledgedAt: s.AcknowledgedAt)),
        _ => throw new ArgumentException($"not concern feedback: {feedback.GetType().Name}", nameof(feedback)),
    };

    public static WebhookEnvelope ForChildFile(ChildFilePartyJoined j, Guid deliveryId, string agencyCode, DateTimeOffset now) => new(
        WebhookKinds.ChildFilePartyJoined, deliveryId, agencyCode, now,
        ChildFile: new WebhookChildFile(j.ChildFileId, j.AgencyCode, j.Through, j.CaseId, new WebhookActor(j.By.AgencyCode, j.By.Role), j.JoinedAt));

    /// <param name="commandId">The agency's own id: of the command that opened the disagreement (raiser only), or of a
    /// refused command.</param>
    public static WebhookEnvelope ForDisagreement(object notice, Guid deliveryId, string agencyCode, DateTimeOffset now, string? commandId) => notice switch
    {
        DisagreementNotice n => new(WebhookKinds.ForDisagreementEvent(n.EventType), deliveryId, agencyCode, now,
            Disagreement: new WebhookDisagreement(n.DisagreementId, n.Sequence, n.EventType, n.At, n.Description, n.Status, n.Stage, n.StageName,
                n.DeadlineAt, n.DeadlineRule, n.Automatic, n.Urgent, n.ExpectedRole, n.MustInform, n.RaisedByAgencyCode, n.ChildFileIds,
                commandId)),
        DeadlineApproaching d => new(WebhookKinds.DisagreementDeadlineApproaching, deliveryId, agencyCode, now,
            Disagreement: new WebhookDisagreement(d.DisagreementId, Stage: d.Stage, StageName: d.StageName, DeadlineAt: d.DeadlineAt,
                DeadlineRule: d.DeadlineRule, ExpectedRole: d.ExpectedRole)),
        DisagreementCommandRefused r => new(WebhookKinds.DisagreementCommandRefused, deliveryId, agencyCode, now,
            Disagreement: new WebhookDisagreement(r.DisagreementId, RefusedCommand: new WebhookRefusal(r.Command, commandId, r.Reason))),
        _ => throw new ArgumentException($"not a disagreement notice: {notice.GetType().Name}", nameof(notice)),
    };
}
