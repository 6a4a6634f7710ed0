using System.Text.Json;
using System.Text.Json.Nodes;
using EscalationHub.Adapters.Health.Epr;
using EscalationHub.Adapters.Runtime;
using EscalationHub.Adapters.Runtime.AgencySystem;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Hl7.Fhir.Utility;
using FhirTask = Hl7.Fhir.Model.Task;
using IssueType = Hl7.Fhir.Model.OperationOutcome.IssueType;

namespace EscalationHub.Adapters.Health.Fhir;

/// <summary>POST /fhir/Task: the hospital's disagreement commands as FHIR R4 Task resources (parsed with the Firely
/// SDK). A Task is the FHIR resource for "a request that someone act": here, that the hub act on a professional
/// disagreement. The Task is mapped onto the same command as the JSON interface (POST /disagreements), so both are
/// checked the same way:
/// <list type="table">
/// <item><term>identifier[0]</term><description>the hospital's own id of this command ("system|value"): the same Task
/// posted twice is applied once; for "open" it is also the id the EPR's disagreement Task carries back
/// (<see cref="EprDisagreementFeedback.CommandSystem"/>).</description></item>
/// <item><term>status, intent</term><description>"requested", "order".</description></item>
/// <item><term>code</term><description>a coding of <see cref="CommandSystem"/>: open, record-discussion, approve-record,
/// escalate, resolve, decide-final-outcome, give-feedback, record-learning, close.</description></item>
/// <item><term>requester.display</term><description>the role of the person acting (e.g. "Named Nurse for Safeguarding").</description></item>
/// <item><term>focus</term><description>open: the referral it is about, by its identifier (the ServiceRequest
/// identifier, or system <see cref="EprTaskFeedback.Hl7ControlIdSystem"/> with the HL7 control id) or as "Task/{id}" of
/// the referral's Task in the EPR; every other command: the disagreement, identifier system
/// <see cref="EprDisagreementFeedback.DisagreementSystem"/> with its DG- reference.</description></item>
/// <item><term>reasonCode</term><description>open: the area of disagreement, a coding of <see cref="AreaSystem"/>
/// (e.g. referral-below-threshold).</description></item>
/// <item><term>priority</term><description>open: routine = standard, urgent/asap = significant harm, stat = imminent harm.</description></item>
/// <item><term>restriction.recipient</term><description>open: the agencies it is with (Organization identifiers of
/// <see cref="AgencySystem"/>); none: the local authority the referral went to.</description></item>
/// <item><term>description</term><description>the summary (open, record-discussion, resolve, give-feedback, decide-final-outcome),
/// the reason (escalate) or the learning (record-learning).</description></item>
/// <item><term>executionPeriod.start</term><description>record-discussion: when it was held.</description></item>
/// <item><term>input</term><description>by type.text: "attendee" (string, repeated), "meeting" (boolean),
/// "record-id" (string), "outcome" (code, e.g. case-file-audit), "decided-by" (string), "profile" (string: open, the
/// partnership procedure to follow when not the hub's default, e.g. london-pa4-kingston-richmond).</description></item>
/// </list>
/// Agreed actions of a resolution are sent on the JSON interface (POST /disagreements).</summary>
public static class FhirDisagreementCommands
{
    public const string CommandSystem = "https://escalationhub.example/CodeSystem/disagreement-command";
    public const string AreaSystem = "https://escalationhub.example/CodeSystem/disagreement-area";
    public const string AgencySystem = "https://escalationhub.example/Id/agency";

    private static readonly FhirJsonDeserializer Deserializer = new(new DeserializerSettings());
    private static readonly BaseFhirJsonSerializer Serializer = new(ModelInfo.ModelInspector);

    public static AgencySystemRoutes MapFhirDisagreements(this AgencySystemRoutes routes, string agencyCode)
    {
        routes.Routes.MapPost("/fhir/Task", async (HttpRequest request, AgencyDisagreements disagreements, ReferralTasks referrals, TimeProvider clock,
            CancellationToken cancellationToken) =>
        {
            if (request.ContentLength > FhirEndpoints.MaxBodyBytes)
                return Outcome(413, [(IssueType.TooLong, "", $"the body must be at most {FhirEndpoints.MaxBodyBytes} bytes")]);
            using var reader = new StreamReader(request.Body);
            var buffer = new char[FhirEndpoints.MaxBodyBytes + 1];
            var read = await reader.ReadBlockAsync(buffer, cancellationToken);
            if (read > FhirEndpoints.MaxBodyBytes) return Outcome(413, [(IssueType.TooLong, "", $"the body must be at most {FhirEndpoints.MaxBodyBytes} bytes")]);

            var issues = new List<(IssueType, string, string)>();
            var task = Parse(new string(buffer, 0, read), issues);
            if (task is null) return Outcome(400, issues);
            var (json, paths) = await ToCommandJsonAsync(task, referrals, issues, cancellationToken);
            if (issues.Count > 0) return Outcome(400, issues);

            var errors = new ProblemFields();
            var command = AgencyDisagreements.Parse(json, clock.GetUtcNow(), errors);
            if (command is not null) await disagreements.ApplyAsync(agencyCode, command, errors, cancellationToken);
            if (errors.HasErrors)
                return Outcome(400, errors.All.SelectMany(e => e.Value.Select(d => (IssueType.Invalid, PathOf(e.Key, paths), d))).ToList());
            return Fhir(202, new OperationOutcome
            {
                Issue =
                [
                    new OperationOutcome.IssueComponent
                    {
                        Severity = OperationOutcome.IssueSeverity.Information,
                        Code = IssueType.Informational,
                        Diagnostics = $"{command!.Kind} {command.CommandId} sent to the hub; the disagreement's progress will be sent to the EPR as Task updates",
                    },
                ],
            });
        }).AddEndpointFilter(FhirEndpoints.AcceptFilter);
        return routes;
    }

    /// <summary>The Task as the JSON command, and where each JSON field came from in the Task (for the OperationOutcome).</summary>
    public static async Task<(JsonElement Json, Dictionary<string, string> Paths)> ToCommandJsonAsync(FhirTask task,
        ReferralTasks referrals, List<(IssueType, string, string)> issues, CancellationToken cancellationToken)
    {
        var json = new JsonObject();
        var paths = new Dictionary<string, string>
        {
            ["kind"] = "Task.code", ["commandId"] = "Task.identifier[0]", ["by"] = "Task.requester", ["by.role"] = "Task.requester.display",
            ["disagreementId"] = "Task.focus.identifier", ["concernId"] = "Task.focus", ["childFileIds"] = "Task.focus",
            ["respondingAgencies"] = "Task.restriction.recipient", ["area"] = "Task.reasonCode", ["harmLevel"] = "Task.priority",
            ["summary"] = "Task.description", ["reason"] = "Task.description", ["learning"] = "Task.description",
            ["heldAt"] = "Task.executionPeriod.start", ["attendees"] = "Task.input", ["meeting"] = "Task.input",
            ["recordId"] = "Task.input", ["outcome"] = "Task.input", ["decidedBy"] = "Task.input",
        };

        if (task.Status is not (FhirTask.TaskStatus.Requested or null))
            issues.Add((IssueType.Value, "Task.status", $"must be \"requested\" (got \"{task.Status.GetLiteral()}\")"));
        if (task.Intent is not (FhirTask.TaskIntent.Order or null))
            issues.Add((IssueType.Value, "Task.intent", $"must be \"order\" (got \"{task.Intent.GetLiteral()}\")"));

        if (task.Identifier.FirstOrDefault() is { Value.Length: > 0 } identifier) json["commandId"] = $"{identifier.System}|{identifier.Value}";
        else issues.Add((IssueType.Required, "Task.identifier", "the hospital's own id of this command is required (it makes a resend recognisable)"));

        var code = task.Code?.Coding.FirstOrDefault(c => c.System == CommandSystem)?.Code;
        if (code is null) issues.Add((IssueType.Required, "Task.code", $"a coding of {CommandSystem} is required: the command"));
        else if (DisagreementCommandKinds.All.Contains("disagreement." + code)) json["kind"] = "disagreement." + code;
        else
        {
            issues.Add((IssueType.CodeInvalid, "Task.code", $"\"{code}\" is not a command of {CommandSystem}: " +
                string.Join(", ", DisagreementCommandKinds.All.Select(k => k["disagreement.".Length..]))));
            code = null;
        }

        json["by"] = new JsonObject { ["role"] = task.Requester?.Display };

        var focus = task.Focus;
        if (code == "open")
        {
            if (focus?.Reference is { } reference && reference.StartsWith("Task/", StringComparison.Ordinal)) json["concernId"] = reference[5..];
            else if (focus?.Identifier is { Value.Length: > 0 } referral)
            {
                var key = referral.System == EprTaskFeedback.Hl7ControlIdSystem ? $"hl7:{referral.Value}" : $"fhir:{referral.System}|{referral.Value}";
                if (await referrals.ConcernForKeyAsync(key, cancellationToken) is { } concernId) json["concernId"] = concernId.ToString();
                else issues.Add((IssueType.NotFound, "Task.focus.identifier", $"no referral \"{referral.System}|{referral.Value}\" from this hospital has been accepted by the hub"));
            }
            else issues.Add((IssueType.Required, "Task.focus", "must name the referral the disagreement is about (its identifier, or Task/{id} of its Task)"));

            var area = task.ReasonCode?.Coding.FirstOrDefault(c => c.System == AreaSystem)?.Code;
            json["area"] = area;
            json["harmLevel"] = task.Priority switch
            {
                RequestPriority.Stat => "imminent-harm",
                RequestPriority.Urgent or RequestPriority.Asap => "significant-harm",
                _ => "standard",
            };
            var recipients = new JsonArray();
            for (var i = 0; i < (task.Restriction?.Recipient.Count ?? 0); i++)
            {
                var recipient = task.Restriction!.Recipient[i];
                if (recipient.Identifier is { System: AgencySystem, Value.Length: > 0 } agency) recipients.Add(agency.Value);
                else issues.Add((IssueType.Value, $"Task.restriction.recipient[{i}]", $"must be an Organization identifier of {AgencySystem} (an agency code)"));
            }
            if (recipients.Count > 0) json["respondingAgencies"] = recipients;
        }
        else if (code is not null)
        {
            if (focus?.Identifier is { System: EprDisagreementFeedback.DisagreementSystem, Value.Length: > 0 } dg) json["disagreementId"] = dg.Value;
            else issues.Add((IssueType.Required, "Task.focus.identifier", $"must name the disagreement: identifier system {EprDisagreementFeedback.DisagreementSystem}, value its DG- reference"));
        }

        if (code is not null) json[AgencyDisagreements.TextField("disagreement." + code)] = task.Description;
        if (task.ExecutionPeriod?.StartElement is { } start) json["heldAt"] = start.ToDateTimeOffset(TimeSpan.Zero).ToString("O");

        var attendees = new JsonArray();
        for (var i = 0; i < task.Input.Count; i++)
        {
            var input = task.Input[i];
            var path = $"Task.input[{i}]";
            switch (input.Type?.Text ?? input.Type?.Coding.FirstOrDefault()?.Code)
            {
                case "attendee" when input.Value is FhirString s: attendees.Add(s.Value); paths[$"attendees[{attendees.Count - 1}]"] = path; break;
                case "meeting" when input.Value is FhirBoolean b: json["meeting"] = b.Value; paths["meeting"] = path; break;
                case "record-id" when input.Value is FhirString s: json["recordId"] = s.Value; paths["recordId"] = path; break;
                case "outcome" when input.Value is Code c: json["outcome"] = c.Value; paths["outcome"] = path; break;
                case "outcome" when input.Value is FhirString s: json["outcome"] = s.Value; paths["outcome"] = path; break;
                case "decided-by" when input.Value is FhirString s: json["decidedBy"] = s.Value; paths["decidedBy"] = path; break;
                case "profile" when input.Value is FhirString s: json["profileId"] = s.Value; paths["profileId"] = path; break;
                default: issues.Add((IssueType.NotSupported, path, "unknown input: expected attendee, meeting, record-id, outcome, decided-by or profile with the right value type")); break;
            }
        }
        if (attendees.Count > 0) json["attendees"] = attendees;
        return (JsonSerializer.SerializeToElement(json), paths);
    }

    private static string PathOf(string field, Dictionary<string, string> paths)
    {
        if (paths.TryGetValue(field, out var path)) return path;
        var bracket = field.IndexOf('[');
        if (bracket > 0 && paths.TryGetValue(field[..bracket], out var list))
            return field[..bracket] == "respondingAgencies" ? "Task.restriction.recipient" + field[bracket..] : list;
        return "Task";
    }

    private static FhirTask? Parse(string json, List<(IssueType, string, string)> issues)
    {
        try
        {
            if (!Deserializer.TryDeserializeResource(json, out var resource, out var errors))
            {
                foreach (var error in errors)
                    issues.Add((IssueType.Structure, error is ExtendedCodedException { InstancePath: { Length: > 0 } p } ? p : "Task", error.Message));
                if (issues.Count == 0) issues.Add((IssueType.Structure, "Task", "the body is not a FHIR R4 resource in JSON"));
                return null;
            }
            if (resource is FhirTask task) return task;
            issues.Add((IssueType.Invalid, "resourceType", $"must be \"Task\" (got \"{resource?.TypeName}\")"));
            return null;
        }
        catch (JsonException ex)
        {
            issues.Add((IssueType.Structure, "Task", $"the body is not JSON: {ex.Message}"));
            return null;
        }
    }

    private static IResult Outcome(int status, IReadOnlyList<(IssueType Code, string Expression, string Diagnostics)> issues) => Fhir(status, new OperationOutcome
    {
        Issue = [.. issues.Select(i => new OperationOutcome.IssueComponent
        {
            Severity = OperationOutcome.IssueSeverity.Error, Code = i.Code, Diagnostics = i.Diagnostics, Expression = i.Expression.Length == 0 ? [] : [i.Expression], // none for the request as a whole
        })],
    });

    private static IResult Fhir(int status, Resource resource) => Results.Text(Serializer.SerializeToString(resource), FhirEndpoints.FhirJson, statusCode: status);
}
