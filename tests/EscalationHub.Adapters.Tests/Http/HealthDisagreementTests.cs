using System.Net;
using System.Text;
using System.Text.Json;
using EscalationHub.Adapters.Health;
using EscalationHub.Adapters.Health.Epr;
using EscalationHub.Adapters.Runtime;
using EscalationHub.Adapters.Runtime.AgencySystem;
using EscalationHub.Adapters.Tests.Infrastructure;
using EscalationHub.Contracts.Messages;

namespace EscalationHub.Adapters.Tests.Http;

/// <summary>Disagreements on the hospital's side: its EPR raises and escalates them as FHIR Tasks (POST /fhir/Task) and
/// is told of them as Task updates and Communications (an EPR stub on a real HTTP port).</summary>
public sealed class HealthDisagreementTests : IAsyncLifetime
{
    private const string Agency = "uhl-health";
    private const string Dg = "DG-4HX8PD";
    private const string ChildFile = "CF-OLIVER1";
    private readonly Guid concernId = Guid.NewGuid();
    private AgencySystemStub epr = null!;
    private AdapterTestHost host = null!;

    public async Task InitializeAsync()
    {
        epr = await AgencySystemStub.StartAsync(up: true);
        host = await AdapterTestHost.StartAsync(
            (builder, section) => builder.AddHealthAdapter(section),
            (routes, settings) => routes.MapHealthAdapter((AdapterSettings)settings),
            new Dictionary<string, string?> { ["Adapter:AgencySystem:Url"] = epr.Url + "/fhir", ["Adapter:LocalAuthorities:LE"] = "leics-socialcare" });
        // The hospital's referral ICE00044720, accepted by the hub, then acknowledged by social care.
        await host.SendToAgencyAsync(Agency, new ConcernAccepted("hl7:RWE:ICE00044720", concernId, "CN-OLIV01", ChildFile, DateTimeOffset.UtcNow));
        await AdapterTestHost.WaitUntilAsync(() => epr.Delivered == 1);
        await host.SendToAgencyAsync(Agency, new ConcernStatusChanged(concernId, "CN-OLIV01", ConcernStatus.Acknowledged,
            new ActorRef("leics-socialcare", "Duty social worker"), DateTimeOffset.UtcNow, null, null));
        await AdapterTestHost.WaitUntilAsync(() => epr.Delivered == 2);
    }

    public async Task DisposeAsync()
    {
        await host.DisposeAsync();
        await epr.DisposeAsync();
    }

    private Task<HttpResponseMessage> PostTaskAsync(string json) =>
        host.Http.PostAsync("/fhir/Task", new StringContent(json, Encoding.UTF8, "application/fhir+json"));

    private static string OpenTask(string focus = """{"identifier":{"system":"urn:escalationhub:hl7v2-message-control-id","value":"RWE:ICE00044720"}}""",
        string extra = "") => $$"""
        {"resourceType":"Task","identifier":[{"system":"https://uhl.example/Id/escalation","value":"ESC-1"}],"status":"requested","intent":"order",
         "code":{"coding":[{"system":"https://escalationhub.example/CodeSystem/disagreement-command","code":"open"}]},
         "focus":{{focus}},"requester":{"display":"Named Nurse for Safeguarding Children"},
         "reasonCode":{"coding":[{"system":"https://escalationhub.example/CodeSystem/disagreement-area","code":"referral-below-threshold"}]},
         "priority":"urgent","description":"Below threshold, but we see significant harm"{{extra}}}
        """;

    [Fact]
    public async Task A_Task_naming_the_referral_opens_a_disagreement_with_the_local_authority_that_answered_it()
    {
        var response = await PostTaskAsync(OpenTask(extra: ""","input":[{"type":{"text":"profile"},"valueString":"london-pa4-kingston-richmond"}]"""));
        await AdapterTestHost.WaitUntilAsync(() => !host.Hub.Received.IsEmpty);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("application/fhir+json", response.Content.Headers.ContentType!.MediaType);
        var (messageId, message) = Assert.Single(host.Hub.Received);
        var open = Assert.IsType<OpenDisagreement>(message);
        Assert.Equal(("https://uhl.example/Id/escalation|ESC-1", new ActorRef(Agency, "Named Nurse for Safeguarding Children"), "ReferralBelowThreshold",
                HarmLevel.SignificantHarm, "london-pa4-kingston-richmond"),
            (open.IdempotencyKey, open.RaisedBy, open.Area, open.HarmLevel, open.ProfileId));
        Assert.Equal(["leics-socialcare"], open.RespondingAgencyCodes);
        Assert.Equal([ChildFile], open.ChildFileIds);
        Assert.Equal(DeterministicId.ForCommand(Agency, "https://uhl.example/Id/escalation|ESC-1"), messageId);
    }

    [Fact]
    public async Task An_escalation_Task_naming_the_disagreement_sends_EscalateDisagreement_as_the_hospital()
    {
        await host.SendToAgencyAsync(Agency, Samples.Notice(Dg, childFileId: ChildFile));
        await AdapterTestHost.WaitUntilAsync(() => epr.Delivered == 3);

        var response = await PostTaskAsync($$$"""
            {"resourceType":"Task","identifier":[{"system":"https://uhl.example/Id/escalation","value":"ESC-1-E"}],"status":"requested","intent":"order",
             "code":{"coding":[{"system":"https://escalationhub.example/CodeSystem/disagreement-command","code":"escalate"}]},
             "focus":{"identifier":{"system":"https://escalationhub.example/Id/disagreement","value":"{{{Dg}}}"}},
             "requester":{"display":"Named Nurse"},"description":"No answer from the team manager"}
            """);
        await AdapterTestHost.WaitUntilAsync(() => !host.Hub.Received.IsEmpty);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(new EscalateDisagreement(Dg, new ActorRef(Agency, "Named Nurse"), "No answer from the team manager"), Assert.Single(host.Hub.Received).Message);
    }

    [Fact]
    public async Task Each_notice_replaces_the_disagreements_Task_in_the_EPR_and_a_late_older_one_is_not_sent()
    {
        await host.SendToAgencyAsync(Agency, Samples.Notice(Dg, sequence: 5, childFileId: ChildFile, raisedBy: Agency, idempotencyKey: "https://uhl.example/Id/escalation|ESC-1")
            with { Stage = 2, StageName = "First-line managers", ExpectedRole = "named nurse/doctor" });
        await AdapterTestHost.WaitUntilAsync(() => epr.Delivered == 3);
        await host.SendToAgencyAsync(Agency, Samples.Notice(Dg, sequence: 3, eventType: "record-added", childFileId: ChildFile, raisedBy: Agency));
        await host.SendToAgencyAsync(Agency, new DeadlineApproaching(Dg, 2, "First-line managers", DateTimeOffset.UtcNow.AddHours(2), "a working week", "named nurse/doctor"));
        await AdapterTestHost.WaitUntilAsync(() => epr.Delivered == 4);
        await Task.Delay(1000);

        var sent = epr.Requests.Skip(2).ToList();
        Assert.Equal(2, sent.Count);
        Assert.Equal(("PUT", $"/fhir/Task/{EprDisagreementFeedback.TaskId(Dg)}"), (sent[0].Method, sent[0].Path));
        var task = JsonDocument.Parse(sent[0].Body).RootElement;
        Assert.Equal(("Task", "in-progress", "Stage 2: First-line managers"),
            (task.GetProperty("resourceType").GetString(), task.GetProperty("status").GetString(), task.GetProperty("businessStatus").GetProperty("text").GetString()));
        Assert.Equal([Dg, "https://uhl.example/Id/escalation|ESC-1"], task.GetProperty("identifier").EnumerateArray().Select(i => i.GetProperty("value").GetString()));
        Assert.StartsWith("named nurse/doctor", task.GetProperty("owner").GetProperty("display").GetString());
        Assert.Equal(("POST", "/fhir/Communication"), (sent[1].Method, sent[1].Path));
        var communication = JsonDocument.Parse(sent[1].Body).RootElement;
        Assert.Equal("deadline-approaching", communication.GetProperty("category")[0].GetProperty("coding")[0].GetProperty("code").GetString());
        Assert.Equal($"Task/{EprDisagreementFeedback.TaskId(Dg)}", communication.GetProperty("about")[0].GetProperty("reference").GetString());
    }

    [Fact]
    public async Task Every_update_of_a_disagreements_Task_keeps_the_authoredOn_of_its_first_and_is_valid_FHIR_R4()
    {
        var opened = new DateTimeOffset(2026, 11, 25, 14, 0, 0, TimeSpan.Zero);
        await host.SendToAgencyAsync(Agency, Samples.Notice(Dg, sequence: 1, eventType: "opened", childFileId: ChildFile, raisedBy: Agency) with { At = opened });
        await AdapterTestHost.WaitUntilAsync(() => epr.Delivered == 3);
        await host.SendToAgencyAsync(Agency, Samples.Notice(Dg, sequence: 2, childFileId: ChildFile, raisedBy: Agency) with { At = opened.AddDays(1), Stage = 2, StageName = "First-line managers" });
        await AdapterTestHost.WaitUntilAsync(() => epr.Delivered == 4);

        var bodies = epr.Requests.Skip(2).Select(r => r.Body).ToList();
        Assert.All(bodies, body =>
        {
            Assert.Equal(opened, DateTimeOffset.Parse(JsonDocument.Parse(body).RootElement.GetProperty("authoredOn").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
            Assert.Empty(FhirR4.Errors(body));
        });
    }

    [Theory]
    [InlineData("""{"resourceType":"ServiceRequest","status":"active","intent":"order","subject":{"display":"x"}}""", "resourceType")]
    [InlineData("not json", "Task")]
    [InlineData("""{"resourceType":"Task","status":"requested","intent":"order","code":{"coding":[{"system":"https://escalationhub.example/CodeSystem/disagreement-command","code":"open"}]}}""", "Task.identifier")]
    [InlineData("""{"resourceType":"Task","identifier":[{"value":"E"}],"status":"completed","intent":"order","code":{"coding":[{"system":"https://escalationhub.example/CodeSystem/disagreement-command","code":"escalate"}]},"focus":{"identifier":{"system":"https://escalationhub.example/Id/disagreement","value":"DG-4HX8PD"}},"requester":{"display":"N"},"description":"d"}""", "Task.status")]
    [InlineData("""{"resourceType":"Task","identifier":[{"value":"E"}],"status":"requested","intent":"order","requester":{"display":"N"},"description":"d"}""", "Task.code")]
    [InlineData("""{"resourceType":"Task","identifier":[{"value":"E"}],"status":"requested","intent":"order","code":{"coding":[{"system":"https://escalationhub.example/CodeSystem/disagreement-command","code":"shout"}]},"requester":{"display":"N"},"description":"d"}""", "Task.code")]
    [InlineData("""{"resourceType":"Task","identifier":[{"value":"E"}],"status":"requested","intent":"order","code":{"coding":[{"system":"https://escalationhub.example/CodeSystem/disagreement-command","code":"escalate"}]},"requester":{"display":"N"},"description":"d"}""", "Task.focus.identifier")]
    [InlineData("""{"resourceType":"Task","identifier":[{"value":"E"}],"status":"requested","intent":"order","code":{"coding":[{"system":"https://escalationhub.example/CodeSystem/disagreement-command","code":"escalate"}]},"focus":{"identifier":{"system":"https://escalationhub.example/Id/disagreement","value":"DG-NOTOURS"}},"requester":{"display":"N"},"description":"d"}""", "Task.focus.identifier")]
    [InlineData("""{"resourceType":"Task","identifier":[{"value":"E"}],"status":"requested","intent":"order","code":{"coding":[{"system":"https://escalationhub.example/CodeSystem/disagreement-command","code":"escalate"}]},"focus":{"identifier":{"system":"https://escalationhub.example/Id/disagreement","value":"DG-4HX8PD"}},"description":"d"}""", "Task.requester.display")]
    [InlineData("""{"resourceType":"Task","identifier":[{"value":"E"}],"status":"requested","intent":"order","code":{"coding":[{"system":"https://escalationhub.example/CodeSystem/disagreement-command","code":"escalate"}]},"focus":{"identifier":{"system":"https://escalationhub.example/Id/disagreement","value":"DG-4HX8PD"}},"requester":{"display":"N"}}""", "Task.description")]
    [InlineData("""{"resourceType":"Task","identifier":[{"value":"E"}],"status":"requested","intent":"order","code":{"coding":[{"system":"https://escalationhub.example/CodeSystem/disagreement-command","code":"escalate"}]},"focus":{"identifier":{"system":"https://escalationhub.example/Id/disagreement","value":"DG-4HX8PD"}},"requester":{"display":"N"},"description":"d","input":[{"type":{"text":"mood"},"valueString":"cross"}]}""", "Task.input[0]")]
    public async Task Bad_input_gets_400_OperationOutcome_naming_the_element_and_nothing_reaches_the_hub(string json, string expression)
    {
        await host.SendToAgencyAsync(Agency, Samples.Notice(Dg, childFileId: ChildFile));
        await AdapterTestHost.WaitUntilAsync(() => epr.Delivered == 3);

        var response = await PostTaskAsync(json);
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var outcome = JsonDocument.Parse(body).RootElement;
        Assert.Equal("OperationOutcome", outcome.GetProperty("resourceType").GetString());
        Assert.Contains(outcome.GetProperty("issue").EnumerateArray(),
            i => i.GetProperty("severity").GetString() == "error" && i.GetProperty("expression")[0].GetString() == expression);
        await Task.Delay(300);
        Assert.Empty(host.Hub.Received);
    }

    [Theory]
    [InlineData("""{"identifier":{"system":"urn:escalationhub:hl7v2-message-control-id","value":"RWE:ICE99999999"}}""", "", "Task.focus.identifier")]
    [InlineData("""{"display":"the referral"}""", "", "Task.focus")]
    [InlineData("""{"reference":"Task/00000000-0000-0000-0000-000000000001"}""", "", "Task.focus")]
    [InlineData("""{"reference":"Task/not-a-concern"}""", "", "Task.focus")]
    [InlineData("""{"identifier":{"system":"urn:escalationhub:hl7v2-message-control-id","value":"RWE:ICE00044720"}}""",
        ""","restriction":{"recipient":[{"display":"the police"}]}""", "Task.restriction.recipient[0]")]
    [InlineData("""{"identifier":{"system":"urn:escalationhub:hl7v2-message-control-id","value":"RWE:ICE00044720"}}""",
        ""","restriction":{"recipient":[{"identifier":{"system":"https://escalationhub.example/Id/agency","value":"uhl-health"}}]}""", "Task.restriction.recipient")]
    public async Task An_opening_Task_about_something_the_hospital_is_not_party_to_is_refused_with_an_OperationOutcome(string focus, string extra, string expression)
    {
        var response = await PostTaskAsync(OpenTask(focus, extra));
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(JsonDocument.Parse(body).RootElement.GetProperty("issue").EnumerateArray(), i => i.GetProperty("expression")[0].GetString() == expression);
        await Task.Delay(300);
        Assert.Empty(host.Hub.Received);
    }
}
