using System.Net;
using System.Text;
using System.Text.Json;
using EscalationHub.IntegrationTests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace EscalationHub.IntegrationTests;

/// <summary>A professional disagreement carried end to end through the agency adapters (not gRPC): the hub and all four
/// adapters as their own processes on a private RabbitMQ node, each adapter with the simulator of its agency system.</summary>
[Collection(BrokerCollection.Name)]
public sealed class DisagreementAdapterFlowTests(RabbitMqNode broker) : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);
    private readonly List<IAsyncDisposable> running = [];

    private const string Oliver = "4010232137";   // the hospital's referral over MLLP (ref-i12-minimal-lf.hl7: neglect, routine)
    private const string Amelia = "9434765919";   // the school's concern to social care, another child
    private const string EscalationSystem = "https://uhl.example/Id/safeguarding-escalation";

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var item in Enumerable.Reverse(running)) await item.DisposeAsync();
    }

    private async Task<T> Run<T>(Task<T> starting) where T : IAsyncDisposable
    {
        var started = await starting;
        running.Add(started);
        return started;
    }

    [Fact]
    public async Task A_hospital_disagreement_about_a_threshold_decision_reaches_the_police_stage_and_each_agency_system_sees_exactly_its_part()
    {
        var amqp = await broker.NewVirtualHostAsync();
        var hub = await Run(TestHub.StartAsync(amqp));
        var health = await Run(TestAdapter.StartAsync(TestAdapter.Kind.Health, amqp, "uhl-health"));
        var socialCare = await Run(TestAdapter.StartAsync(TestAdapter.Kind.SocialCare, amqp, "leics-socialcare"));
        var police = await Run(TestAdapter.StartAsync(TestAdapter.Kind.Police, amqp, "leics-police"));
        var school = await Run(TestAdapter.StartAsync(TestAdapter.Kind.Education, amqp, "oakfield-school"));
        using var toSchool = school.AgencySystem();
        using var toHealth = health.AgencySystem();
        using var toSocialCare = socialCare.AgencySystem();

        // Another child's concern, in flight at the same time: the school to social care.
        var schoolResponse = await toSchool.PostAsync("/concerns", Json($$"""
            {"referralId":"DSL-2026-0077","child":{"nhsNumber":"{{Amelia}}","givenName":"Amelia","familyName":"Otherchild","dateOfBirth":"2017-09-12"},
             "raisedBy":{"role":"Designated Safeguarding Lead"},"category":"neglect","harmLevel":"standard",
             "details":"Often without a coat in winter; parent rarely answers calls."}
            """));
        Assert.Equal(HttpStatusCode.Accepted, schoolResponse.StatusCode);

        // The hospital's referral over MLLP: neglect, routine; social care acknowledges and decides early help (below threshold).
        using (var mllp = await MllpClient.ConnectAsync(health.MllpPort))
            Assert.Equal(("AA", "ICE00044720"), MllpClient.Msa(await mllp.SendAsync(MllpClient.Sample("ref-i12-minimal-lf.hl7"))));
        await WaitUntil(() => health.SimulatorReceived().Any(s => s.Kind == "task.completed"),
            () => $"epr: {string.Join(",", health.SimulatorReceived().Select(s => s.Kind))}\nhealth:\n{health.Output}");
        var referralId = Scalar(hub, "SELECT Id FROM Concerns WHERE IdempotencyKey = 'hl7:RWE:ICE00044720'")!;
        Assert.Equal("EarlyHelp", Scalar(hub, $"SELECT Decision FROM Concerns WHERE IdempotencyKey = 'hl7:RWE:ICE00044720'"));
        var childFileId = Scalar(hub, "SELECT ChildFileId FROM Concerns WHERE IdempotencyKey = 'hl7:RWE:ICE00044720'")!;

        // The hospital raises a disagreement about the threshold decision: a FHIR Task naming its referral, with social
        // care and the police, on the London procedure. Posted twice (a resend): one disagreement.
        var open = OpenTask("ESC-0001");
        var first = await toHealth.PostAsync("/fhir/Task", new StringContent(open, Encoding.UTF8, "application/fhir+json"));
        var resend = await toHealth.PostAsync("/fhir/Task", new StringContent(open, Encoding.UTF8, "application/fhir+json"));
        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, resend.StatusCode);
        await WaitUntil(() => hub.Count("Disagreements") == 1, () => hub.Output);
        var disagreementId = Scalar(hub, "SELECT Id FROM Disagreements")!;
        Assert.Equal($"{EscalationSystem}|ESC-0001", Scalar(hub, "SELECT IdempotencyKey FROM Disagreements"));
        Assert.Equal("uhl-health", Scalar(hub, "SELECT RaisedByAgency FROM Disagreements"));

        // Social care's case system records its view of the first discussion (posted twice: applied once).
        await WaitUntil(() => socialCare.SimulatorReceived().Any(s => s.Kind == "disagreement.stage-entered"), () => $"social care {Kinds(socialCare)}");
        var discussion = Json($$"""
            {"kind":"disagreement.record-discussion","commandId":"CSC-DG-0001","by":{"role":"Team manager, front door"},
             "disagreementId":"{{disagreementId}}","heldAt":"{{DateTimeOffset.UtcNow:O}}",
             "summary":"Discussed by phone with the named nurse: early help stands; health disagree.","attendees":["Named Nurse","Team manager"],"meeting":false}
            """);
        Assert.Equal(HttpStatusCode.Accepted, (await toSocialCare.PostAsync("/disagreements", discussion)).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await toSocialCare.PostAsync("/disagreements", Json(await discussion.ReadAsStringAsync()))).StatusCode);
        await WaitUntil(() => hub.Count("DisagreementEvents", "Type = 'record-added'") == 1, () => $"social care {Kinds(socialCare)}\n{string.Join("\n", socialCare.SimulatorReceived().Select(s => s.Body))}\nhub:\n{string.Join("\n", hub.Output.Split('\n').Where(l => l.Contains("Disagreement") || l.Contains("refused") || l.Contains("fail")))}");

        // The hospital escalates (a FHIR Task naming the disagreement): stage 2, first-line managers, where the police send a DS.
        var escalate = await toHealth.PostAsync("/fhir/Task", new StringContent(EscalateTask("ESC-0001-E1", disagreementId), Encoding.UTF8, "application/fhir+json"));
        Assert.Equal(HttpStatusCode.Accepted, escalate.StatusCode);
        await WaitUntil(() => Scalar(hub, "SELECT CurrentStage FROM Disagreements") == "2", () => $"health:\n{health.Output}\nhub:\n{hub.Output}");

        // The police case system tries to close it while unresolved: the hub refuses, changes nothing, and tells the
        // police (only) with the police's own command id.
        await WaitUntil(() => police.SimulatorReceived().Count(s => s.Kind == "disagreement.stage-entered") == 2, () => $"police {Kinds(police)}\n{police.Output}");
        using var toPolice = police.AgencySystem();
        Assert.Equal(HttpStatusCode.Accepted, (await toPolice.PostAsync("/disagreements", Json($$"""
            {"kind":"disagreement.close","commandId":"CAIT-DG-0001","by":{"role":"Detective Sergeant, CAIT"},"disagreementId":"{{disagreementId}}"}
            """))).StatusCode);

        // Every agency system has what it should: wait for the last deliveries, then for anything wrongly sent.
        await WaitUntil(() => police.SimulatorReceived().Count == 6 && socialCare.SimulatorReceived().Count == 8 && school.SimulatorReceived().Count == 2
                              && health.SimulatorReceived().Any(s => s.Kind == "disagreement-task.stage-entered" && s.Body.Contains("Stage 2:")),
            () => $"police {Kinds(police)}\nsocial care {Kinds(socialCare)}\nschool {Kinds(school)}\nepr {Kinds(health)}");
        await Task.Delay(2000);
        Assert.Equal(1, hub.Count("Disagreements"));
        Assert.Equal(5, hub.Count("DisagreementEvents"));
        Assert.Equal("Open", Scalar(hub, "SELECT Status FROM Disagreements"));
        var schoolConcernId = Scalar(hub, "SELECT Id FROM Concerns WHERE IdempotencyKey = 'DSL-2026-0077'")!;
        var otherChildFileId = Scalar(hub, "SELECT ChildFileId FROM Concerns WHERE IdempotencyKey = 'DSL-2026-0077'")!;

        string[] notices = ["1:disagreement.opened", "2:disagreement.stage-entered", "3:disagreement.record-added", "4:disagreement.escalated", "5:disagreement.stage-entered"];

        // The police: the disagreement's five events and the refusal of its own command, nothing else; expected to send
        // a DC at stage 1 and a DS at stage 2.
        var refusal = Assert.Single(police.SimulatorReceived(), s => s.Kind == "disagreement.command-refused");
        var refused = Disagreement(refusal.Body).GetProperty("refusedCommand");
        Assert.Equal(("CloseDisagreement", "CAIT-DG-0001"), (refused.GetProperty("command").GetString(), refused.GetProperty("commandId").GetString()));
        Assert.Contains("unresolved", refused.GetProperty("reason").GetString());
        Assert.Equal(disagreementId, Field(refusal.Body, "disagreementId"));
        var seenByPolice = police.SimulatorReceived().Where(s => s != refusal).ToList();
        Assert.Equal(notices, seenByPolice.Select(s => $"{Field(s.Body, "sequence")}:{s.Kind}").Order());
        Assert.All(seenByPolice, s => Assert.Equal(disagreementId, Field(s.Body, "disagreementId")));
        Assert.All(seenByPolice, s => Assert.Equal("leics-police", Root(s.Body).GetProperty("agencyCode").GetString()));
        Assert.All(seenByPolice, s => Assert.Equal([childFileId], Disagreement(s.Body).GetProperty("childFileIds").EnumerateArray().Select(e => e.GetString())));
        var stages = seenByPolice.Where(s => s.Kind == "disagreement.stage-entered").OrderBy(s => Field(s.Body, "sequence")).ToList();
        Assert.Equal(["1:Professionals:DC", "2:First-line managers:DS"],
            stages.Select(s => $"{Field(s.Body, "stage")}:{Field(s.Body, "stageName")}:{Field(s.Body, "expectedRole")}"));
        Assert.All(seenByPolice, s => Assert.False(Disagreement(s.Body).TryGetProperty("commandId", out _))); // the raiser's own id is for the raiser
        Assert.All(seenByPolice, s => Assert.DoesNotContain(otherChildFileId, s.Body));
        Assert.All(seenByPolice, s => Assert.DoesNotContain(Oliver, s.Body)); // notices carry child file ids, never NHS numbers or names
        Assert.All(seenByPolice, s => Assert.DoesNotContain(Amelia, s.Body));

        // Social care: the two concerns addressed to it, the police joining the child file (named as a responder), then
        // the disagreement's five events.
        var seenBySocialCare = socialCare.SimulatorReceived();
        var joined = Assert.Single(seenBySocialCare, s => s.Kind == "child-file.party-joined");
        Assert.Contains("leics-police", joined.Body);
        Assert.Contains(childFileId, joined.Body);
        Assert.Equal(new[] { $"concern.raised:{referralId}", $"concern.raised:{schoolConcernId}" }.Order(),
            seenBySocialCare.Where(s => s.Kind == "concern.raised").Select(s => $"{s.Kind}:{Root(s.Body).GetProperty("concern").GetProperty("concernId").GetString()}").Order());
        Assert.Equal(notices, seenBySocialCare.Where(s => s.Kind.StartsWith("disagreement.")).Select(s => $"{Field(s.Body, "sequence")}:{s.Kind}").Order());
        Assert.Equal("team manager", Field(seenBySocialCare.Single(s => s.Kind == "disagreement.stage-entered" && Field(s.Body, "stage") == "2").Body, "expectedRole"));

        // The school: only the concern it raised about the other child; nothing of the disagreement or of Oliver.
        var seenBySchool = school.SimulatorReceived();
        Assert.Equal(["concern.accepted", "concern.status-changed"], seenBySchool.Select(s => s.Kind).Order()); // one reply, one notice
        Assert.All(seenBySchool, s => Assert.Equal(schoolConcernId, Root(s.Body).GetProperty("feedback").GetProperty("concernId").GetString()));
        Assert.All(seenBySchool, s => Assert.DoesNotContain(disagreementId, s.Body));
        Assert.All(seenBySchool, s => Assert.DoesNotContain(childFileId, s.Body));

        // The hospital EPR: its referral's Task, then the disagreement's Task, moving only forward (a late notice is not
        // sent back in time), ending at stage 2 with the hospital's own id for it and the DS-level role it is expected to send.
        var seenByEpr = health.SimulatorReceived();
        var referralTasks = seenByEpr.Where(s => s.Kind.StartsWith("task.")).ToList();
        Assert.All(referralTasks, s => Assert.Contains($"\"id\":\"{referralId}\"", s.Body));
        Assert.Equal("task.completed", referralTasks.Last().Kind);
        var disagreementTasks = seenByEpr.Where(s => s.Kind.StartsWith("disagreement-task.")).ToList();
        // ... and a Communication that the police joined the child file.
        Assert.Contains("leics-police", Assert.Single(seenByEpr, s => s.Kind == "communication.party-joined").Body);
        Assert.Equal(seenByEpr.Count, referralTasks.Count + disagreementTasks.Count + 1);
        var sequences = disagreementTasks.Select(s => Output(s.Body, "sequence").GetProperty("valueInteger").GetInt32()).ToList();
        Assert.Equal(sequences.Order().Distinct(), sequences);
        Assert.Equal(5, sequences.Last());
        var last = Root(disagreementTasks.Last().Body);
        Assert.Equal("in-progress", last.GetProperty("status").GetString());
        Assert.Equal("Stage 2: First-line managers", last.GetProperty("businessStatus").GetProperty("text").GetString());
        Assert.Equal([disagreementId, $"{EscalationSystem}|ESC-0001"], last.GetProperty("identifier").EnumerateArray().Select(i => i.GetProperty("value").GetString()));
        Assert.StartsWith("named nurse/doctor", last.GetProperty("owner").GetProperty("display").GetString());
        Assert.All(seenByEpr, s => Assert.DoesNotContain(Amelia, s.Body));
        Assert.All(seenByEpr, s => Assert.DoesNotContain(otherChildFileId, s.Body));
    }

    private static string OpenTask(string id) => $$$"""
        {"resourceType":"Task","identifier":[{"system":"{{{EscalationSystem}}}","value":"{{{id}}}"}],"status":"requested","intent":"order",
         "code":{"coding":[{"system":"https://escalationhub.example/CodeSystem/disagreement-command","code":"open"}]},
         "focus":{"type":"ServiceRequest","identifier":{"system":"urn:escalationhub:hl7v2-message-control-id","value":"RWE:ICE00044720"}},
         "requester":{"display":"Named Nurse for Safeguarding Children"},
         "reasonCode":{"coding":[{"system":"https://escalationhub.example/CodeSystem/disagreement-area","code":"referral-below-threshold"}]},
         "priority":"routine",
         "restriction":{"recipient":[{"identifier":{"system":"https://escalationhub.example/Id/agency","value":"leics-socialcare"}},
                                     {"identifier":{"system":"https://escalationhub.example/Id/agency","value":"leics-police"}}]},
         "description":"Early help was decided, but the weight loss and missed appointments suggest neglect at the threshold for assessment; police hold information on the household.",
         "input":[{"type":{"text":"profile"},"valueString":"london-pa4-kingston-richmond"}]}
        """;

    private static string EscalateTask(string id, string disagreementId) => $$$"""
        {"resourceType":"Task","identifier":[{"system":"{{{EscalationSystem}}}","value":"{{{id}}}"}],"status":"requested","intent":"order",
         "code":{"coding":[{"system":"https://escalationhub.example/CodeSystem/disagreement-command","code":"escalate"}]},
         "focus":{"identifier":{"system":"https://escalationhub.example/Id/disagreement","value":"{{{disagreementId}}}"}},
         "requester":{"display":"Named Nurse for Safeguarding Children"},
         "description":"Practitioners could not agree: first-line managers, with the police, to review the threshold decision."}
        """;

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static string Kinds(TestAdapter adapter) => string.Join(",", adapter.SimulatorReceived().Select(s => s.Kind));

    private static JsonElement Root(string body) => JsonDocument.Parse(body).RootElement;

    private static JsonElement Disagreement(string body) => Root(body).GetProperty("disagreement");

    private static string? Field(string body, string name) =>
        Disagreement(body).TryGetProperty(name, out var value) ? value.ValueKind == JsonValueKind.String ? value.GetString() : value.GetRawText() : null;

    private static JsonElement Output(string taskBody, string type) =>
        Root(taskBody).GetProperty("output").EnumerateArray().Single(o => o.GetProperty("type").GetProperty("text").GetString() == type);

    private static string? Scalar(TestHub hub, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={hub.DatabasePath};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar() switch
        {
            null or DBNull => null,
            string s when Guid.TryParse(s, out var id) => id.ToString(),
            var value => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture),
        };
    }

    private static async Task WaitUntil(Func<bool> condition, Func<string>? describe = null)
    {
        var until = DateTime.UtcNow + Patience;
        while (!condition())
        {
            if (DateTime.UtcNow > until) throw new TimeoutException("condition not met in time: " + describe?.Invoke());
            await Task.Delay(200);
        }
    }
}
