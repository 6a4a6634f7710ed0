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
            errors.Add("$", "must be a JSON object");
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

    /// <summary>Sends a checked response to the hub (with the broker's confirm). A concern this agency was never sent is
    /// refused: an agency answers only for what it is party to.</summary>
    public async Task<bool> ApplyAsync(string agencyCode, AgencyResponse response, ProblemFields errors, CancellationToken cancellationToken)
    {
        var adapter = adapters.ForAgency(agencyCode);
        if (!await adapter.Outbox.HasConcernAsync(response.ConcernId, WebhookKinds.ConcernRaised, cancellationToken))
        {
            errors.Add("concernId", "is not a concern sent to this agency");
            return false;
        }

        var by = new ActorRef(agencyCode, response.Role);
        if (response.Kind == WebhookKinds.ConcernAcknowledged)
            await hub.SendAsync(new AcknowledgeConcern(response.ConcernId, by, response.At),
                DeterministicId.For(response.ConcernId, $"{agencyCode}/acknowledge"), cancellationToken);
        else
            await hub.SendAsync(new DecideConcern(response.ConcernId, by, response.Decision!.Value, response.Reason!, response.At),
                DeterministicId.For(response.ConcernId, $"{agencyCode}/decide"), cancellationToken);
        logger.LogInformation("{Agency}: {Kind} for concern {ConcernId} sent to the hub", agencyCode, response.Kind, response.ConcernId);
        return true;
    }

    /// <summary>Parse, check and send: what both the HTTP interface and the simulators call.</summary>
    public async Task<ProblemFields> SubmitAsync(string agencyCode, JsonElement body, ResponsePolicy policy, CancellationToken cancellationToken)
    {
        var errors = new ProblemFields();
        var response = Parse(body, clock.GetUtcNow(), policy, errors);
        if (response is not null) await ApplyAsync(agencyCode, response, errors, cancellationToken);
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
