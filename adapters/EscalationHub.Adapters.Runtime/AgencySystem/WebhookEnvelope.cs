using System.Text.Json;
using System.Text.Json.Serialization;
using EscalationHub.Contracts.Messages;

namespace EscalationHub.Adapters.Runtime.AgencySystem;

/// <summary>What the webhook kinds are called on the agency system's interface. Disagreement kinds
/// ("disagreement.opened", "disagreement.escalated", ...) will be added beside these; receivers must ignore
/// (answer 2xx to) kinds they do not know.</summary>
public static class WebhookKinds
{
    public const string ConcernRaised = "concern.raised";
    public const string ConcernAccepted = "concern.accepted";
    public const string ConcernRefused = "concern.refused";
    public const string ConcernStatusChanged = "concern.status-changed";

    // Agency system to adapter (POST {base}/responses).
    public const string ConcernAcknowledged = "concern.acknowledged";
    public const string ConcernDecided = "concern.decided";
}

/// <summary>The JSON body of every webhook call to an agency system (documented in each adapter's README.md).</summary>
public sealed record WebhookEnvelope(
    string Kind,
    Guid DeliveryId,
    string AgencyCode,
    DateTimeOffset SentAt,
    WebhookConcern? Concern = null,
    WebhookFeedback? Feedback = null);

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
    IReadOnlyList<FieldError>? Errors);

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
            Feedback: new WebhookFeedback(a.IdempotencyKey, a.ConcernId, a.Reference, ConcernStatus.Received, null, a.RaisedAt, null, null, null)),
        ConcernRefused r => new(WebhookKinds.ConcernRefused, deliveryId, agencyCode, now,
            Feedback: new WebhookFeedback(r.IdempotencyKey, null, null, null, null, null, null, null, r.Errors)),
        ConcernStatusChanged s => new(WebhookKinds.ConcernStatusChanged, deliveryId, agencyCode, now,
            Feedback: new WebhookFeedback(null, s.ConcernId, s.Reference, s.Status, new WebhookActor(s.By.AgencyCode, s.By.Role), s.At,
                s.Decision, s.Reason, null)),
        _ => throw new ArgumentException($"not concern feedback: {feedback.GetType().Name}", nameof(feedback)),
    };
}
