using System.Text.Json;
using EscalationHub.Contracts.Messages;
using Microsoft.Extensions.Logging;

namespace EscalationHub.Adapters.Runtime.AgencySystem;

/// <summary>A response from the agency system about a concern addressed to it, as read from its JSON.</summary>
public sealed record AgencyResponse(string Kind, Guid ConcernId, string Role, DateTimeOffset At, ConcernDecision? Decision, string? Reason);

/// <summary>Which roles may record a decision (e.g. police: a detective sergeant or inspector). Empty: any role.</summary>
public sealed record ResponsePolicy(IReadOnlyList<string> DecidingRoles)
{
    public static ResponsePolicy AnyRole { get; } = new([]);
}

/// <summary>The agency system's answers ("concern.acknowledged", "concern.decided"; disagreements: <see cref="AgencyDisagreements"/>),
/// checked and sent to the hub as AcknowledgeConcern / DecideConcern. One path for the HTTP interface and for the
/// in-process simulators, so the simulators exercise exactly what a real system would.</summary>
public sealed class AgencyResponses(AgencyAdapters adapters, HubSender hub, TimeProvider clock, ILogger<AgencyResponses> logger)
{
    public const int MaxReasonLength = 8000;
    public const int MaxRoleLength = 100;

    /// <summary>Reads and checks one response; null with <paramref name="errors"/> filled when it is bad.</summary>
    public static AgencyResponse? Parse(JsonElement body, DateTimeOffset now, ResponsePolicy policy, ProblemFields errors)
    {
        if (body.ValueKind != JsonValueKind.Object)
        {
            errors.Add("$", "must be a JSON object (one response) or an array of them");
            return null;
        }

        var kind = Text(body, "kind", errors);
        if (kind is not null && kind is not (WebhookKinds.ConcernAcknowledged or WebhookKinds.ConcernDecided))
            errors.Add("kind", $"must be \"{WebhookKinds.ConcernAcknowledged}\" or \"{WebhookKinds.ConcernDecided}\"");

        var concernText = Text(body, "concernId", errors);
        var concernId = Guid.Empty;
        if (concernText is not null && !Guid.TryParse(concernText, out concernId)) errors.Add("concernId", "must be the concern id the webhook carried");
        else if (concernText is null && !errors.Has("concernId")) errors.Add("concernId", "is required");

        string? role = null;
        if (!body.TryGetProperty("by", out var by) || by.ValueKind != JsonValueKind.Object) errors.Add("by", "is required: {\"role\": ...}");
        else
        {
            role = Text(by, "role", errors, "by.role");
            if (role is null && !errors.Has("by.role")) errors.Add("by.role", "is required");
            else if (role is not null) errors.Required("by.role", role, MaxRoleLength);
        }

        var at = now;
        if (body.TryGetProperty("at", out var atElement) && atElement.ValueKind != JsonValueKind.Null)
        {
            if (atElement.ValueKind != JsonValueKind.String || !atElement.TryGetDateTimeOffset(out at))
                errors.Add("at", "must be an ISO 8601 date and time with offset, e.g. 2026-11-25T10:15:00Z");
            else if (at > now.AddMinutes(5)) errors.Add("at", "is in the future");
        }

        ConcernDecision? decision = null;
        string? reason = null;
        if (kind == WebhookKinds.ConcernDecided)
        {
            var decisionText = Text(body, "decision", errors);
            if (decisionText is null) { if (!errors.Has("decision")) errors.Add("decision", "is required"); }
            else if (WebhookJson.TryParse<ConcernDecision>(decisionText, out var parsed)) decision = parsed;
            else errors.Add("decision", "must be one of " + string.Join(", ", Enum.GetValues<ConcernDecision>().Select(d => $"\"{WebhookJson.Name(d)}\"")));

            reason = Text(body, "reason", errors);
            if (reason is null && !errors.Has("reason")) errors.Add("reason", "is required: the reason for the decision");
            var actions = new List<string>();
            if (body.TryGetProperty("agreedActions", out var list) && list.ValueKind != JsonValueKind.Null)
            {
                if (list.ValueKind != JsonValueKind.Array) errors.Add("agreedActions", "must be an array of strings");
                else
                {
                    var i = 0;
                    foreach (var item in list.EnumerateArray())
                    {
                        if (item.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(item.GetString()))
                            errors.Add($"agreedActions[{i}]", "must be a non-empty string");
                        else actions.Add(item.GetString()!.Trim());
                        i++;
                    }
                }
            }
            if (reason is not null && actions.Count > 0) reason = $"{reason.Trim()}\nAgreed actions: {string.Join("; ", actions)}";
            if (reason is not null) errors.Required("reason", reason, MaxReasonLength);

            if (role is not null && policy.DecidingRoles.Count > 0
                && !policy.DecidingRoles.Any(r => role.StartsWith(r, StringComparison.OrdinalIgnoreCase)))
                errors.Add("by.role", $"a decision must be made by one of: {string.Join(", ", policy.DecidingRoles)}");
        }

        return errors.HasErrors ? null : new AgencyResponse(kind!, concernId, role!.Trim(), at, decision, reason?.Trim());
    }

    /// <summary>At most this many responses in one body: one concern's acknowledgement and decision, or a few concerns'.</summary>
    public const int MaxResponsesPerBody = 20;

    /// <summary>Sends checked responses to the hub (each with the broker's confirm). A concern this agency was never sent
    /// is refused: an agency answers only for what it is party to. An acknowledgement and a decision on the same concern
    /// given together go as one message (the decision carrying its acknowledgement): one reply for the hub to apply
    /// and one notice to the raiser, not two.</summary>
    public async Task<bool> ApplyAsync(string agencyCode, IReadOnlyList<AgencyResponse> responses, ProblemFields errors, CancellationToken cancellationToken)
    {
        var adapter = adapters.ForAgency(agencyCode);
        for (var i = 0; i < responses.Count; i++)
            if (!await adapter.Outbox.HasConcernAsync(responses[i].ConcernId, WebhookKinds.ConcernRaised, cancellationToken))
                errors.Add(responses.Count == 1 ? "concernId" : $"[{i}].concernId", "is not a concern sent to this agency");
        if (errors.HasErrors) return false;

        foreach (var concern in responses.GroupBy(r => r.ConcernId))
        {
            var acknowledged = concern.FirstOrDefault(r => r.Kind == WebhookKinds.ConcernAcknowledged);
            var decided = concern.FirstOrDefault(r => r.Kind == WebhookKinds.ConcernDecided);
            if (decided is not null)
            {
                var by = new ActorRef(agencyCode, decided.Role);
                await hub.SendAsync(new DecideConcern(concern.Key, by, decided.Decision!.Value, decided.Reason!, decided.At)
                    {
                        AcknowledgedBy = acknowledged is null ? null : new ActorRef(agencyCode, acknowledged.Role),
                        AcknowledgedAt = acknowledged?.At,
                    },
                    DeterministicId.For(concern.Key, $"{agencyCode}/decide"), cancellationToken);
            }
            else if (acknowledged is not null)
                await hub.SendAsync(new AcknowledgeConcern(concern.Key, new ActorRef(agencyCode, acknowledged.Role), acknowledged.At),
                    DeterministicId.For(concern.Key, $"{agencyCode}/acknowledge"), cancellationToken);
            logger.LogInformation("{Agency}: {Kinds} for concern {ConcernId} sent to the hub", agencyCode,
                string.Join(" + ", concern.Select(r => r.Kind)), concern.Key);
        }
        return true;
    }

    /// <summary>Parse, check and send: what both the HTTP interface and the simulators call. The body is one response, or
    /// an array of them (e.g. a concern's acknowledgement and decision given at once); any error refuses the whole body
    /// and sends nothing.</summary>
    public async Task<ProblemFields> SubmitAsync(string agencyCode, JsonElement body, ResponsePolicy policy, CancellationToken cancellationToken)
    {
        var errors = new ProblemFields();
        var now = clock.GetUtcNow();
        var responses = new List<AgencyResponse>();
        if (body.ValueKind == JsonValueKind.Array)
        {
            var count = body.GetArrayLength();
            if (count == 0) errors.Add("$", "must hold at least one response");
            else if (count > MaxResponsesPerBody) errors.Add("$", $"must hold at most {MaxResponsesPerBody} responses (got {count})");
            else
            {
                var i = 0;
                foreach (var item in body.EnumerateArray())
                {
                    var itemErrors = new ProblemFields();
                    if (Parse(item, now, policy, itemErrors) is { } response) responses.Add(response);
                    errors.AddAll($"[{i++}]", itemErrors);
                }
                foreach (var duplicate in responses.GroupBy(r => (r.ConcernId, r.Kind)).Where(g => g.Count() > 1))
                    errors.Add("$", $"holds {duplicate.Key.Kind} for concern {duplicate.Key.ConcernId} more than once");
            }
        }
        else if (Parse(body, now, policy, errors) is { } response) responses.Add(response);

        if (!errors.HasErrors) await ApplyAsync(agencyCode, responses, errors, cancellationToken);
        return errors;
    }

    private static string? Text(JsonElement obj, string name, ProblemFields errors, string? path = null)
    {
        if (!obj.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null) return null;
        if (value.ValueKind == JsonValueKind.String) return value.GetString();
        errors.Add(path ?? name, "must be a string");
        return null;
    }
}
