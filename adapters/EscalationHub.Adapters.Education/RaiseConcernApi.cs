using System.Globalization;
using System.Text.Json;
using EscalationHub.Adapters.Runtime;
using EscalationHub.Adapters.Runtime.AgencySystem;
using EscalationHub.Contracts.Messages;

namespace EscalationHub.Adapters.Education;

/// <summary>POST /concerns: the school's designated safeguarding lead raises a concern (JSON, documented in README.md).
/// Checked here; 202 once the hub's broker has the RaiseConcern, 400 problem details naming the field otherwise
/// (nothing sent). The hub's answer (accepted with its reference, or refused) comes back as a webhook call.</summary>
public static class RaiseConcernApi
{
    public static RaiseConcern? Parse(JsonElement body, string agencyCode, string defaultAddressee, DateTimeOffset now, ProblemFields errors)
    {
        if (body.ValueKind != JsonValueKind.Object)
        {
            errors.Add("$", "must be a JSON object");
            return null;
        }

        var referralId = Text(body, "referralId", errors);
        ConcernChecks.Key(referralId, e => errors.Add("referralId", e));

        string? nhsNumber = null, givenName = null, familyName = null;
        DateOnly? dateOfBirth = null;
        if (!body.TryGetProperty("child", out var child) || child.ValueKind != JsonValueKind.Object) errors.Add("child", "is required");
        else
        {
            nhsNumber = ConcernChecks.NhsNumberOrNull(Text(child, "nhsNumber", errors, "child.nhsNumber"), e => errors.Add("child.nhsNumber", e));
            givenName = Text(child, "givenName", errors, "child.givenName");
            ConcernChecks.Name(givenName, e => errors.Add("child.givenName", e));
            familyName = Text(child, "familyName", errors, "child.familyName");
            ConcernChecks.Name(familyName, e => errors.Add("child.familyName", e));
            var dob = Text(child, "dateOfBirth", errors, "child.dateOfBirth");
            if (dob is not null && DateOnly.TryParseExact(dob, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed)) dateOfBirth = parsed;
            else if (dob is not null) errors.Add("child.dateOfBirth", "must be a date, yyyy-MM-dd");
            if (dob is not null || !errors.Has("child.dateOfBirth")) ConcernChecks.DateOfBirth(dateOfBirth, now, e => { if (!errors.Has("child.dateOfBirth")) errors.Add("child.dateOfBirth", e); });
        }

        string? role = null;
        if (!body.TryGetProperty("raisedBy", out var raisedBy) || raisedBy.ValueKind != JsonValueKind.Object) errors.Add("raisedBy", "is required: {\"role\": ...}");
        else
        {
            role = Text(raisedBy, "role", errors, "raisedBy.role");
            ConcernChecks.Name(role, e => errors.Add("raisedBy.role", e));
        }

        var addressedTo = Text(body, "addressedTo", errors) ?? defaultAddressee;
        if (addressedTo == agencyCode) errors.Add("addressedTo", "must be another agency than the school");

        var category = Enum<ConcernCategory>(body, "category", errors);
        var harmLevel = Enum<HarmLevel>(body, "harmLevel", errors);
        var details = Text(body, "details", errors);
        ConcernChecks.Details(details, e => errors.Add("details", e));

        if (errors.HasErrors) return null;
        return new RaiseConcern(referralId!.Trim(), ConcernChecks.Child(nhsNumber, givenName!, familyName!, dateOfBirth!.Value),
            new ActorRef(agencyCode, role!.Trim()), addressedTo, category!.Value, harmLevel!.Value, details!.Trim());
    }

    public static IEndpointConventionBuilder MapRaiseConcern(this AgencySystemRoutes routes, string agencyCode, string defaultAddressee) =>
        routes.Routes.MapPost("/concerns", async (HttpRequest request, HubSender hub, TimeProvider clock, ILoggerFactory logs, CancellationToken cancellationToken) =>
        {
            var (body, problem) = await AgencySystemRegistration.ReadJsonAsync(request, cancellationToken);
            if (problem is not null) return problem;
            var errors = new ProblemFields();
            var command = Parse(body, agencyCode, defaultAddressee, clock.GetUtcNow(), errors);
            if (command is null) return errors.ToResult();
            await hub.SendAsync(command, Guid.NewGuid(), cancellationToken); // the hub de-duplicates on the referral id
            logs.CreateLogger(typeof(RaiseConcernApi)).LogInformation("{Agency}: concern {Key} sent to the hub", agencyCode, command.IdempotencyKey);
            return Results.Accepted(value: new { referralId = command.IdempotencyKey, status = "sent-to-hub" });
        });

    private static T? Enum<T>(JsonElement body, string name, ProblemFields errors) where T : struct, System.Enum
    {
        var text = Text(body, name, errors);
        if (text is null)
        {
            if (!errors.Has(name)) errors.Add(name, "is required");
            return null;
        }
        if (WebhookJson.TryParse<T>(text, out var value)) return value;
        errors.Add(name, "must be one of " + string.Join(", ", System.Enum.GetValues<T>().Select(v => $"\"{WebhookJson.Name(v)}\"")));
        return null;
    }

    private static string? Text(JsonElement obj, string name, ProblemFields errors, string? path = null)
    {
        if (!obj.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null) return null;
        if (value.ValueKind == JsonValueKind.String) return value.GetString();
        errors.Add(path ?? name, "must be a string");
        return null;
    }
}
