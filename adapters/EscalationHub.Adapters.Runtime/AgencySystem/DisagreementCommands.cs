using System.Text.Json;
using EscalationHub.Contracts.Messages;
using AreaOfDisagreement = EscalationHub.Domain.Policies.AreaOfDisagreement;
using FinalOutcome = EscalationHub.Domain.Policies.FinalOutcome;
using LearningThemes = EscalationHub.Domain.Disagreements.LearningThemes;
using Microsoft.Extensions.Logging;

namespace EscalationHub.Adapters.Runtime.AgencySystem;

/// <summary>The kinds of disagreement command an agency system posts (POST {base}/disagreements), one per bus command.</summary>
public static class DisagreementCommandKinds
{
    public const string Open = "disagreement.open";
    public const string RecordDiscussion = "disagreement.record-discussion";
    public const string ApproveRecord = "disagreement.approve-record";
    public const string Escalate = "disagreement.escalate";
    public const string Resolve = "disagreement.resolve";
    public const string DecideFinalOutcome = "disagreement.decide-final-outcome";
    public const string GiveFeedback = "disagreement.give-feedback";
    public const string RecordLearning = "disagreement.record-learning";
    public const string Close = "disagreement.close";

    public static IReadOnlyList<string> All { get; } =
        [Open, RecordDiscussion, ApproveRecord, Escalate, Resolve, DecideFinalOutcome, GiveFeedback, RecordLearning, Close];
}

/// <summary>One disagreement command as the agency system sent it, checked for form. <see cref="CommandId"/> is the
/// agency's own id for it: the bus message id is derived from it, so the same command posted twice is applied once.</summary>
public sealed record DisagreementCommand(
    string Kind,
    string CommandId,
    string Role,
    string? DisagreementId,
    Guid? ConcernId,
    IReadOnlyList<string> ChildFileIds,
    IReadOnlyList<string> RespondingAgencies,
    AreaOfDisagreement? Area,
    HarmLevel? Harm,
    string? ProfileId,
    bool InfantNonAccidentalInjury,
    string? Text,
    DateTimeOffset? HeldAt,
    IReadOnlyList<string> Attendees,
    bool IsMeeting,
    string? RecordId,
    IReadOnlyList<AgreedActionItem> AgreedActions,
    FinalOutcome? Outcome,
    string? DecidedBy,
    IReadOnlyList<string>? Themes = null);

/// <summary>Disagreement commands from an agency system: read from JSON (or built by a format mapper, e.g. FHIR Task),
/// checked against what the agency is party to, and sent to the hub as the bus command it consumes
/// (OpenDisagreement, RecordDiscussion, ...), always as the adapter's own agency. Bad input is reported field by field
/// and nothing is sent.</summary>
public sealed class AgencyDisagreements(AgencyAdapters adapters, HubSender hub, TimeProvider clock, ILogger<AgencyDisagreements> logger)
{
    public const int MaxText = 8000;
    public const int MaxShort = 100;

    /// <summary>The field that carries the free text of each kind.</summary>
    public static string TextField(string kind) => kind switch
    {
        DisagreementCommandKinds.Escalate => "reason",
        DisagreementCommandKinds.RecordLearning => "learning",
        _ => "summary",
    };

    public static DisagreementCommand? Parse(JsonElement body, DateTimeOffset now, ProblemFields errors)
    {
        if (body.ValueKind != JsonValueKind.Object)
        {
            errors.Add("$", "must be a JSON object");
            return null;
        }

        var kind = Text(body, "kind", errors);
        if (kind is null) { if (!errors.Has("kind")) errors.Add("kind", "is required"); }
        else if (!DisagreementCommandKinds.All.Contains(kind))
        {
            errors.Add("kind", "must be one of " + string.Join(", ", DisagreementCommandKinds.All.Select(k => $"\"{k}\"")));
            kind = null;
        }

        var commandId = Text(body, "commandId", errors);
        if (!errors.Has("commandId")) errors.Required("commandId", commandId, MaxShort);

        string? role = null;
        if (!body.TryGetProperty("by", out var by) || by.ValueKind != JsonValueKind.Object) errors.Add("by", "is required: {\"role\": ...}");
        else
        {
            role = Text(by, "role", errors, "by.role");
            if (!errors.Has("by.role")) errors.Required("by.role", role, MaxShort);
        }

        string? disagreementId = null;
        if (kind is not null and not DisagreementCommandKinds.Open)
        {
            disagreementId = Text(body, "disagreementId", errors);
            if (!errors.Has("disagreementId")) errors.Required("disagreementId", disagreementId, MaxShort);
        }

        Guid? concernId = null;
        List<string> childFileIds = [], responders = [], attendees = [];
        AreaOfDisagreement? area = null;
        HarmLevel? harm = null;
        string? profileId = null;
        var infantNai = false;
        if (kind == DisagreementCommandKinds.Open)
        {
            if (Text(body, "concernId", errors) is { } concernText)
            {
                if (Guid.TryParse(concernText, out var parsed)) concernId = parsed;
                else errors.Add("concernId", "must be the id of a concern this agency raised or was sent");
            }
            childFileIds = Strings(body, "childFileIds", errors);
            if (concernId is null && childFileIds.Count == 0 && !errors.Has("concernId") && !errors.Has("childFileIds"))
                errors.Add("childFileIds", "is required (or concernId): which child files the disagreement is about");
            responders = Strings(body, "respondingAgencies", errors);
            if (responders.Distinct().Count() != responders.Count) errors.Add("respondingAgencies", "names an agency twice");
            area = Enum<AreaOfDisagreement>(body, "area", errors, required: true);
            harm = Enum<HarmLevel>(body, "harmLevel", errors, required: true);
            profileId = Text(body, "profileId", errors);
            if (body.TryGetProperty("infantNonAccidentalInjury", out var nai) && nai.ValueKind != JsonValueKind.Null)
            {
                if (nai.ValueKind is JsonValueKind.True or JsonValueKind.False) infantNai = nai.GetBoolean();
                else errors.Add("infantNonAccidentalInjury", "must be true or false");
            }
        }

        string? text = null;
        if (kind is not null and not (DisagreementCommandKinds.ApproveRecord or DisagreementCommandKinds.Close))
        {
            var field = TextField(kind);
            text = Text(body, field, errors);
            if (!errors.Has(field)) errors.Required(field, text, MaxText);
        }

        DateTimeOffset? heldAt = null;
        var isMeeting = false;
        if (kind == DisagreementCommandKinds.RecordDiscussion)
        {
            heldAt = Instant(body, "heldAt", errors, now, required: true);
            attendees = Strings(body, "attendees", errors);
            if (body.TryGetProperty("meeting", out var meeting) && meeting.ValueKind != JsonValueKind.Null)
            {
                if (meeting.ValueKind is JsonValueKind.True or JsonValueKind.False) isMeeting = meeting.GetBoolean();
                else errors.Add("meeting", "must be true or false");
            }
        }

        string? recordId = null;
        if (kind == DisagreementCommandKinds.ApproveRecord)
        {
            recordId = Text(body, "recordId", errors);
            if (!errors.Has("recordId")) errors.Required("recordId", recordId, MaxShort);
        }

        var actions = new List<AgreedActionItem>();
        if (kind == DisagreementCommandKinds.Resolve && body.TryGetProperty("agreedActions", out var list) && list.ValueKind != JsonValueKind.Null)
        {
            if (list.ValueKind != JsonValueKind.Array) errors.Add("agreedActions", "must be an array of {who, what, byWhen}");
            else
            {
                var i = 0;
                foreach (var item in list.EnumerateArray())
                {
                    var path = $"agreedActions[{i++}]";
                    if (item.ValueKind != JsonValueKind.Object) { errors.Add(path, "must be {who, what, byWhen}"); continue; }
                    var who = Text(item, "who", errors, $"{path}.who");
                    if (!errors.Has($"{path}.who")) errors.Required($"{path}.who", who, MaxShort);
                    var what = Text(item, "what", errors, $"{path}.what");
                    if (!errors.Has($"{path}.what")) errors.Required($"{path}.what", what, MaxText);
                    var byWhen = Instant(item, "byWhen", errors, null, required: true, $"{path}.byWhen");
                    if (who is not null && what is not null && byWhen is not null) actions.Add(new AgreedActionItem(who.Trim(), what.Trim(), byWhen.Value));
                }
            }
        }

        List<string>? themes = null;
        if (kind == DisagreementCommandKinds.RecordLearning)
        {
            // Coded themes (the partnership counts learning by theme); the free text stays in "learning".
            themes = Strings(body, "themes", errors);
            if (themes.Count == 0 && !errors.Has("themes"))
                errors.Add("themes", "is required: one or more of " + string.Join(", ", LearningThemes.Codes.Select(c => $"\"{c}\"")));
            for (var i = 0; i < themes.Count; i++)
                if (!LearningThemes.TryParse(themes[i], out _))
                    errors.Add($"themes[{i}]", "must be one of " + string.Join(", ", LearningThemes.Codes.Select(c => $"\"{c}\"")));
        }

        FinalOutcome? outcome = null;
        string? decidedBy = null;
        if (kind == DisagreementCommandKinds.DecideFinalOutcome)
        {
            outcome = Enum<FinalOutcome>(body, "outcome", errors, required: true);
            decidedBy = Text(body, "decidedBy", errors);
            if (!errors.Has("decidedBy")) errors.Required("decidedBy", decidedBy, MaxShort);
        }

        if (errors.HasErrors) return null;
        return new DisagreementCommand(kind!, commandId!.Trim(), role!.Trim(), disagreementId?.Trim(), concernId, childFileIds, responders, area, harm,
            string.IsNullOrWhiteSpace(profileId) ? null : profileId.Trim(), infantNai, text?.Trim(), heldAt, attendees, isMeeting, recordId?.Trim(),
            actions, outcome, decidedBy?.Trim(), themes);
    }

    /// <summary>Checks the command against what this agency is party to and sends it to the hub (with the broker's
    /// confirm) as the agency itself. False with <paramref name="errors"/> filled (JSON field names) when refused here.</summary>
    public async Task<bool> ApplyAsync(string agencyCode, DisagreementCommand c, ProblemFields errors, CancellationToken cancellationToken)
    {
        var adapter = adapters.ForAgency(agencyCode);
        var cases = adapter.Cases;
        if (c.DisagreementId is { } id && !await cases.KnowsDisagreementAsync(id, cancellationToken))
            errors.Add("disagreementId", "is not a disagreement this agency is party to (or the hub has not told it yet)");

        var childFileIds = new List<string>(c.ChildFileIds);
        var responders = new List<string>(c.RespondingAgencies);
        if (c.ConcernId is { } concernId)
        {
            if (await cases.ConcernAsync(concernId, cancellationToken) is { } concern)
            {
                if (!childFileIds.Contains(concern.ChildFileId)) childFileIds.Insert(0, concern.ChildFileId);
                if (responders.Count == 0 && concern.Counterpart is { } counterpart && counterpart != agencyCode) responders.Add(counterpart);
            }
            else errors.Add("concernId", "is not a concern this agency raised or was sent (or the hub has not answered about it yet)");
        }
        for (var i = 0; i < c.ChildFileIds.Count; i++)
            if (!await cases.KnowsChildFileAsync(c.ChildFileIds[i], cancellationToken))
                errors.Add($"childFileIds[{i}]", "is not a child file this agency is party to");
        if (c.Kind == DisagreementCommandKinds.Open && responders.Count == 0 && !errors.Has("concernId"))
            errors.Add("respondingAgencies", "is required: the agencies the disagreement is with");
        if (responders.Contains(agencyCode))
            errors.Add("respondingAgencies", "cannot name this agency: it is the one raising the disagreement");
        if (errors.HasErrors) return false;

        var by = new ActorRef(agencyCode, c.Role);
        var messageId = DeterministicId.ForCommand(agencyCode, c.CommandId);
        var now = clock.GetUtcNow();
        object message = c.Kind switch
        {
            DisagreementCommandKinds.Open => new OpenDisagreement(c.CommandId, by, responders, childFileIds, c.Area!.Value.ToString(), c.Harm!.Value,
                c.Text!, c.ProfileId, c.InfantNonAccidentalInjury),
            DisagreementCommandKinds.RecordDiscussion => new RecordDiscussion(c.DisagreementId!, by, c.HeldAt!.Value, c.Text!, c.Attendees, c.IsMeeting),
            DisagreementCommandKinds.ApproveRecord => new ApproveDisagreementRecord(c.DisagreementId!, by, c.RecordId!),
            DisagreementCommandKinds.Escalate => new EscalateDisagreement(c.DisagreementId!, by, c.Text!),
            DisagreementCommandKinds.Resolve => new ResolveDisagreement(c.DisagreementId!, by, c.Text!, c.AgreedActions),
            DisagreementCommandKinds.DecideFinalOutcome => new DecideFinalOutcome(c.DisagreementId!, by, c.Outcome!.Value.ToString(), c.DecidedBy!, c.Text!),
            DisagreementCommandKinds.GiveFeedback => new GiveFeedback(c.DisagreementId!, by, c.Text!),
            DisagreementCommandKinds.RecordLearning => new RecordLearning(c.DisagreementId!, by, c.Text!, c.Themes),
            DisagreementCommandKinds.Close => new CloseDisagreement(c.DisagreementId!, by),
            _ => throw new ArgumentException($"unknown kind {c.Kind}", nameof(c)),
        };
        // Remembered before sending: a refusal from the hub can then always be matched to the agency's command id.
        await cases.RememberCommandAsync(messageId, c.CommandId, c.Kind, c.DisagreementId, now, cancellationToken);
        await SendAsync(agencyCode, message, messageId, cancellationToken);
        logger.LogInformation("{Agency}: {Kind} {CommandId} ({DisagreementId}) sent to the hub", agencyCode, c.Kind, c.CommandId, c.DisagreementId ?? "new");
        return true;
    }

    /// <summary>Parse, check and send: what the HTTP interface calls.</summary>
    public async Task<ProblemFields> SubmitAsync(string agencyCode, JsonElement body, CancellationToken cancellationToken)
    {
        var errors = new ProblemFields();
        var command = Parse(body, clock.GetUtcNow(), errors);
        if (command is not null) await ApplyAsync(agencyCode, command, errors, cancellationToken);
        return errors;
    }

    private Task SendAsync(string agencyCode, object message, Guid messageId, CancellationToken cancellationToken) => message switch
    {
        OpenDisagreement m => hub.SendAsync(agencyCode, m, messageId, cancellationToken),
        RecordDiscussion m => hub.SendAsync(agencyCode, m, messageId, cancellationToken),
        ApproveDisagreementRecord m => hub.SendAsync(agencyCode, m, messageId, cancellationToken),
        EscalateDisagreement m => hub.SendAsync(agencyCode, m, messageId, cancellationToken),
        ResolveDisagreement m => hub.SendAsync(agencyCode, m, messageId, cancellationToken),
        DecideFinalOutcome m => hub.SendAsync(agencyCode, m, messageId, cancellationToken),
        GiveFeedback m => hub.SendAsync(agencyCode, m, messageId, cancellationToken),
        RecordLearning m => hub.SendAsync(agencyCode, m, messageId, cancellationToken),
        CloseDisagreement m => hub.SendAsync(agencyCode, m, messageId, cancellationToken),
        _ => throw new ArgumentException($"not a disagreement command: {message.GetType().Name}", nameof(message)),
    };

    private static string? Text(JsonElement obj, string name, ProblemFields errors, string? path = null)
    {
        if (!obj.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null) return null;
        if (value.ValueKind == JsonValueKind.String) return value.GetString();
        errors.Add(path ?? name, "must be a string");
        return null;
    }

    private static List<string> Strings(JsonElement obj, string name, ProblemFields errors)
    {
        var values = new List<string>();
        if (!obj.TryGetProperty(name, out var list) || list.ValueKind == JsonValueKind.Null) return values;
        if (list.ValueKind != JsonValueKind.Array)
        {
            errors.Add(name, "must be an array of strings");
            return values;
        }
        var i = 0;
        foreach (var item in list.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(item.GetString()))
                errors.Add($"{name}[{i}]", "must be a non-empty string");
            else if (item.GetString()!.Length > MaxShort) errors.Add($"{name}[{i}]", $"must be at most {MaxShort} characters");
            else values.Add(item.GetString()!.Trim());
            i++;
        }
        return values;
    }

    private static T? Enum<T>(JsonElement body, string name, ProblemFields errors, bool required) where T : struct, System.Enum
    {
        var text = Text(body, name, errors);
        if (text is null)
        {
            if (required && !errors.Has(name)) errors.Add(name, "is required");
            return null;
        }
        if (WebhookJson.TryParse<T>(text, out var value)) return value;
        errors.Add(name, "must be one of " + string.Join(", ", System.Enum.GetValues<T>().Select(v => $"\"{WebhookJson.Name(v)}\"")));
        return null;
    }

    private static DateTimeOffset? Instant(JsonElement obj, string name, ProblemFields errors, DateTimeOffset? notAfter, bool required, string? path = null)
    {
        path ??= name;
        if (!obj.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            if (required) errors.Add(path, "is required: an ISO 8601 date and time with offset, e.g. 2026-11-25T10:15:00Z");
            return null;
        }
        if (value.ValueKind != JsonValueKind.String || !value.TryGetDateTimeOffset(out var at))
        {
            errors.Add(path, "must be an ISO 8601 date and time with offset, e.g. 2026-11-25T10:15:00Z");
            return null;
        }
        if (notAfter is { } limit && at > limit.AddMinutes(5))
        {
            errors.Add(path, "is in the future");
            return null;
        }
        return at;
    }
}
