using System.Net;
using System.Text;
using System.Text.Json;
using EscalationHub.Adapters.Runtime;
using EscalationHub.Adapters.Runtime.AgencySystem;
using EscalationHub.Adapters.SocialCare;
using EscalationHub.Adapters.Tests.Infrastructure;
using EscalationHub.Contracts.Messages;
using Microsoft.Extensions.DependencyInjection;

namespace EscalationHub.Adapters.Tests.Http;

/// <summary>Disagreements on a webhook agency's interface (the social care adapter against a case system stub on a real
/// HTTP port): the hub's notices as "disagreement.*" webhook calls, and the system's commands on POST /disagreements.</summary>
public sealed class DisagreementWebhookTests : IAsyncLifetime
{
    private const string Agency = "leics-socialcare";
    private const string Dg = "DG-7K2M9Q";
    private AgencySystemStub system = null!;
    private AdapterTestHost host = null!;

    public async Task InitializeAsync()
    {
        system = await AgencySystemStub.StartAsync(up: true);
        host = await AdapterTestHost.StartAsync(
            (builder, section) => builder.AddSocialCareAdapter(section),
            (routes, settings) => routes.MapSocialCareAdapter((AdapterSettings)settings),
            new Dictionary<string, string?> { ["Adapter:AgencySystem:Url"] = system.Url + "/webhooks/escalationhub" });
    }

    public async Task DisposeAsync()
    {
        await host.DisposeAsync();
        await system.DisposeAsync();
    }

    private CaseDirectory Cases => host.Services.GetRequiredService<AgencyAdapters>().ForAgency(Agency).Cases;

    /// <summary>The hub has told this agency of disagreement <see cref="Dg"/> (on child file CF-ABC123) and of a concern it was sent.</summary>
    private async Task<ConcernRaised> PartyToAsync()
    {
        var concern = Samples.Concern(Agency);
        await host.SendToAgencyAsync(Agency, concern);
        await host.SendToAgencyAsync(Agency, Samples.Notice(Dg));
        await AdapterTestHost.WaitUntilAsync(() => system.Delivered == 2);
        return concern;
    }

    [Fact]
    public async Task A_stage_notice_to_an_agency_only_informed_of_it_is_passed_on_but_makes_it_no_party_and_copies_no_child_file()
    {
        await host.SendToAgencyAsync(Agency, Samples.Notice("DG-INFORM1", childFileId: "CF-INFORM1") with { InformedOnly = true });
        await AdapterTestHost.WaitUntilAsync(() => system.Delivered == 1);

        var ledgers = host.Services.GetRequiredService<EscalationHub.Adapters.Runtime.Ledger.AgencyLedgers>();
        Assert.DoesNotContain("CF-INFORM1", await ledgers.For(Agency).Replica.TrackedFilesAsync());
        Assert.False(await Cases.KnowsDisagreementAsync("DG-INFORM1")); // told of the stage, not able to act on it
    }

    private Task<HttpResponseMessage> PostAsync(string json) =>
        host.Http.PostAsync("/disagreements", new StringContent(json, Encoding.UTF8, "application/json"));

    [Fact]
    public async Task A_disagreement_notice_is_posted_to_the_case_system_as_a_documented_JSON_envelope()
    {
        var notice = Samples.Notice(Dg, sequence: 4, eventType: "escalated") with { Stage = 2, StageName = "First-line managers", ExpectedRole = "team manager" };

        await host.SendToAgencyAsync(Agency, notice);
        await AdapterTestHost.WaitUntilAsync(() => system.Delivered == 1);

        var request = Assert.Single(system.Requests);
        Assert.Equal(("POST", "/webhooks/escalationhub"), (request.Method, request.Path));
        var root = JsonDocument.Parse(request.Body).RootElement;
        Assert.Equal(("disagreement.escalated", request.DeliveryId, Agency),
            (root.GetProperty("kind").GetString(), root.GetProperty("deliveryId").GetString(), root.GetProperty("agencyCode").GetString()));
        var d = root.GetProperty("disagreement");
        Assert.Equal((Dg, 4, "escalated", 2, "First-line managers", "team manager", "uhl-health"),
            (d.GetProperty("disagreementId").GetString(), d.GetProperty("sequence").GetInt32(), d.GetProperty("eventType").GetString(),
             d.GetProperty("stage").GetInt32(), d.GetProperty("stageName").GetString(), d.GetProperty("expectedRole").GetString(),
             d.GetProperty("raisedByAgencyCode").GetString()));
        Assert.Equal(["CF-ABC123"], d.GetProperty("childFileIds").EnumerateArray().Select(e => e.GetString()));
        Assert.True(d.TryGetProperty("deadlineAt", out _));
        Assert.False(d.TryGetProperty("commandId", out _));
        Assert.False(root.TryGetProperty("concern", out _));
    }

    [Fact]
    public async Task A_deadline_that_is_near_is_posted_as_disagreement_deadline_approaching()
    {
        var due = DateTimeOffset.UtcNow.AddHours(2);
        await host.SendToAgencyAsync(Agency, new DeadlineApproaching(Dg, 1, "Professionals", due, "a working week", "social worker"));
        await AdapterTestHost.WaitUntilAsync(() => system.Delivered == 1);

        var root = JsonDocument.Parse(Assert.Single(system.Requests).Body).RootElement;
        Assert.Equal("disagreement.deadline-approaching", root.GetProperty("kind").GetString());
        Assert.Equal((Dg, 1, "a working week"), (root.GetProperty("disagreement").GetProperty("disagreementId").GetString(),
            root.GetProperty("disagreement").GetProperty("stage").GetInt32(), root.GetProperty("disagreement").GetProperty("deadlineRule").GetString()));
    }

    [Fact]
    public async Task Escalating_sends_EscalateDisagreement_as_this_agency_and_the_same_command_posted_twice_goes_under_one_message_id()
    {
        await PartyToAsync();
        var json = $$"""{"kind":"disagreement.escalate","commandId":"CSC-77","by":{"role":"Team manager"},"disagreementId":"{{Dg}}","reason":"No agreement at stage 1"}""";

        var first = await PostAsync(json);
        var again = await PostAsync(json);
        await AdapterTestHost.WaitUntilAsync(() => host.Hub.Received.Count == 2);

        Assert.Equal((HttpStatusCode.Accepted, HttpStatusCode.Accepted), (first.StatusCode, again.StatusCode));
        var sent = host.Hub.Received.ToList();
        Assert.All(sent, s => Assert.Equal(new EscalateDisagreement(Dg, new ActorRef(Agency, "Team manager"), "No agreement at stage 1"), s.Message));
        // The hub's inbox applies a message id once: both posts carry the id derived from the agency's own command id.
        Assert.All(sent, s => Assert.Equal(DeterministicId.ForCommand(Agency, "CSC-77"), s.MessageId));
    }

    [Fact]
    public async Task Each_command_kind_becomes_its_bus_command_always_naming_this_agency()
    {
        await PartyToAsync();
        string[] bodies =
        [
            $$"""{"kind":"disagreement.record-discussion","commandId":"c1","by":{"role":"Social worker"},"disagreementId":"{{Dg}}","heldAt":"{{DateTimeOffset.UtcNow.AddMinutes(-30):O}}","summary":"Phone call","attendees":["SW","Nurse"],"meeting":true}""",
            $$"""{"kind":"disagreement.approve-record","commandId":"c2","by":{"role":"Social worker"},"disagreementId":"{{Dg}}","recordId":"R1"}""",
            $$"""{"kind":"disagreement.resolve","commandId":"c3","by":{"role":"Team manager"},"disagreementId":"{{Dg}}","summary":"Assessment agreed","agreedActions":[{"who":"CSC","what":"Child and family assessment","byWhen":"2026-12-09T17:00:00Z"}]}""",
            $$"""{"kind":"disagreement.decide-final-outcome","commandId":"c4","by":{"role":"Head of service"},"disagreementId":"{{Dg}}","outcome":"case-file-audit","decidedBy":"Partnership chair","summary":"Audit"}""",
            $$"""{"kind":"disagreement.give-feedback","commandId":"c5","by":{"role":"Team manager"},"disagreementId":"{{Dg}}","summary":"Assessment under way"}""",
            $$"""{"kind":"disagreement.record-learning","commandId":"c6","by":{"role":"Team manager"},"disagreementId":"{{Dg}}","learning":"Weight data to the front door","themes":["information-sharing","threshold-understanding"]}""",
            $$"""{"kind":"disagreement.close","commandId":"c7","by":{"role":"Team manager"},"disagreementId":"{{Dg}}"}""",
        ];

        foreach (var body in bodies) Assert.Equal(HttpStatusCode.Accepted, (await PostAsync(body)).StatusCode);
        await AdapterTestHost.WaitUntilAsync(() => host.Hub.Received.Count == bodies.Length);

        var sent = host.Hub.Received.Select(r => r.Message).ToList();
        var discussion = Assert.Single(sent.OfType<RecordDiscussion>());
        Assert.Equal(("Phone call", true, 2), (discussion.Summary, discussion.IsMeeting, discussion.Attendees.Count));
        Assert.Equal("R1", Assert.Single(sent.OfType<ApproveDisagreementRecord>()).RecordId);
        var resolved = Assert.Single(sent.OfType<ResolveDisagreement>());
        Assert.Equal(new AgreedActionItem("CSC", "Child and family assessment", DateTimeOffset.Parse("2026-12-09T17:00:00Z")), Assert.Single(resolved.AgreedActions));
        Assert.Equal(("CaseFileAudit", "Partnership chair"), (Assert.Single(sent.OfType<DecideFinalOutcome>()).Outcome, sent.OfType<DecideFinalOutcome>().Single().DecidedBy));
        Assert.Single(sent.OfType<GiveFeedback>());
        var learning = Assert.Single(sent.OfType<RecordLearning>());
        Assert.Equal("Weight data to the front door", learning.Learning);
        Assert.Equal(["information-sharing", "threshold-understanding"], learning.Themes);
        Assert.Single(sent.OfType<CloseDisagreement>());
        Assert.All(sent, m => Assert.Equal(Agency, ((ActorRef)m.GetType().GetProperty("By")!.GetValue(m)!).AgencyCode));
    }

    [Fact]
    public async Task Opening_about_a_concern_names_its_child_file_and_by_default_the_agency_that_raised_it()
    {
        var concern = await PartyToAsync();

        var response = await PostAsync($$"""
            {"kind":"disagreement.open","commandId":"CSC-DG-1","by":{"role":"Team manager"},"concernId":"{{concern.ConcernId}}",
             "area":"medical-opinion-after-examination","harmLevel":"significant-harm","summary":"We do not accept the medical opinion","profileId":"berkshire-v17"}
            """);
        await AdapterTestHost.WaitUntilAsync(() => !host.Hub.Received.IsEmpty);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var (messageId, message) = Assert.Single(host.Hub.Received);
        var open = Assert.IsType<OpenDisagreement>(message);
        Assert.Equal(("CSC-DG-1", new ActorRef(Agency, "Team manager"), "MedicalOpinionAfterExamination", HarmLevel.SignificantHarm,
                "We do not accept the medical opinion", "berkshire-v17"),
            (open.IdempotencyKey, open.RaisedBy, open.Area, open.HarmLevel, open.Summary, open.ProfileId));
        Assert.Equal(["uhl-health"], open.RespondingAgencyCodes);
        Assert.Equal(["CF-ABC123"], open.ChildFileIds);
        Assert.Equal(DeterministicId.ForCommand(Agency, "CSC-DG-1"), messageId);
    }

    [Fact]
    public async Task A_command_the_hub_refused_is_posted_back_with_the_agencys_own_command_id()
    {
        await PartyToAsync();
        await PostAsync($$"""{"kind":"disagreement.escalate","commandId":"CSC-99","by":{"role":"Team manager"},"disagreementId":"{{Dg}}","reason":"Stuck"}""");
        await AdapterTestHost.WaitUntilAsync(() => !host.Hub.Received.IsEmpty);

        await host.SendToAgencyAsync(Agency, new DisagreementCommandRefused(Dg, "EscalateDisagreement", "cannot escalate beyond stage 5")
        {
            CommandMessageId = host.Hub.Received.Single().MessageId,
        });
        await AdapterTestHost.WaitUntilAsync(() => system.Delivered == 3);

        var refused = JsonDocument.Parse(system.Requests.Last().Body).RootElement;
        Assert.Equal("disagreement.command-refused", refused.GetProperty("kind").GetString());
        var command = refused.GetProperty("disagreement").GetProperty("refusedCommand");
        Assert.Equal(("EscalateDisagreement", "CSC-99", "cannot escalate beyond stage 5"),
            (command.GetProperty("command").GetString(), command.GetProperty("commandId").GetString(), command.GetProperty("reason").GetString()));
    }

    [Theory]
    [InlineData("not json", "$")]
    [InlineData("""{"commandId":"x","by":{"role":"TM"},"disagreementId":"{dg}","reason":"r"}""", "kind")]
    [InlineData("""{"kind":"disagreement.shout","commandId":"x","by":{"role":"TM"},"disagreementId":"{dg}","reason":"r"}""", "kind")]
    [InlineData("""{"kind":"disagreement.escalate","by":{"role":"TM"},"disagreementId":"{dg}","reason":"r"}""", "commandId")]
    [InlineData("""{"kind":"disagreement.escalate","commandId":"x","disagreementId":"{dg}","reason":"r"}""", "by")]
    [InlineData("""{"kind":"disagreement.escalate","commandId":"x","by":{"role":" "},"disagreementId":"{dg}","reason":"r"}""", "by.role")]
    [InlineData("""{"kind":"disagreement.escalate","commandId":"x","by":{"role":"TM"},"reason":"r"}""", "disagreementId")]
    [InlineData("""{"kind":"disagreement.escalate","commandId":"x","by":{"role":"TM"},"disagreementId":"DG-NOTOURS","reason":"r"}""", "disagreementId")]
    [InlineData("""{"kind":"disagreement.escalate","commandId":"x","by":{"role":"TM"},"disagreementId":"{dg}"}""", "reason")]
    [InlineData("""{"kind":"disagreement.record-discussion","commandId":"x","by":{"role":"TM"},"disagreementId":"{dg}","summary":"s","heldAt":"2099-01-01T00:00:00Z"}""", "heldAt")]
    [InlineData("""{"kind":"disagreement.record-discussion","commandId":"x","by":{"role":"TM"},"disagreementId":"{dg}","summary":"s","heldAt":"last tuesday"}""", "heldAt")]
    [InlineData("""{"kind":"disagreement.record-discussion","commandId":"x","by":{"role":"TM"},"disagreementId":"{dg}","summary":"s","heldAt":"2026-11-24T10:00:00Z","meeting":"yes"}""", "meeting")]
    [InlineData("""{"kind":"disagreement.approve-record","commandId":"x","by":{"role":"TM"},"disagreementId":"{dg}"}""", "recordId")]
    [InlineData("""{"kind":"disagreement.record-learning","commandId":"x","by":{"role":"TM"},"disagreementId":"{dg}","learning":"l"}""", "themes")]
    [InlineData("""{"kind":"disagreement.record-learning","commandId":"x","by":{"role":"TM"},"disagreementId":"{dg}","learning":"l","themes":["blame"]}""", "themes[0]")]
    [InlineData("""{"kind":"disagreement.resolve","commandId":"x","by":{"role":"TM"},"disagreementId":"{dg}","summary":"s","agreedActions":[{"who":"CSC","what":"w","byWhen":"soon"}]}""", "agreedActions[0].byWhen")]
    [InlineData("""{"kind":"disagreement.decide-final-outcome","commandId":"x","by":{"role":"TM"},"disagreementId":"{dg}","summary":"s","decidedBy":"chair","outcome":"coin-toss"}""", "outcome")]
    [InlineData("""{"kind":"disagreement.open","commandId":"x","by":{"role":"TM"},"concernId":"{concern}","harmLevel":"standard","summary":"s"}""", "area")]
    [InlineData("""{"kind":"disagreement.open","commandId":"x","by":{"role":"TM"},"concernId":"{concern}","area":"bad-vibes","harmLevel":"standard","summary":"s"}""", "area")]
    [InlineData("""{"kind":"disagreement.open","commandId":"x","by":{"role":"TM"},"concernId":"{concern}","area":"other","harmLevel":"mild","summary":"s"}""", "harmLevel")]
    [InlineData("""{"kind":"disagreement.open","commandId":"x","by":{"role":"TM"},"concernId":"{other}","area":"other","harmLevel":"standard","summary":"s"}""", "concernId")]
    [InlineData("""{"kind":"disagreement.open","commandId":"x","by":{"role":"TM"},"childFileIds":["CF-NOTOURS"],"respondingAgencies":["leics-police"],"area":"other","harmLevel":"standard","summary":"s"}""", "childFileIds[0]")]
    [InlineData("""{"kind":"disagreement.open","commandId":"x","by":{"role":"TM"},"area":"other","harmLevel":"standard","summary":"s"}""", "childFileIds")]
    [InlineData("""{"kind":"disagreement.open","commandId":"x","by":{"role":"TM"},"childFileIds":["CF-ABC123"],"area":"other","harmLevel":"standard","summary":"s"}""", "respondingAgencies")]
    [InlineData("""{"kind":"disagreement.open","commandId":"x","by":{"role":"TM"},"concernId":"{concern}","respondingAgencies":["leics-socialcare"],"area":"other","harmLevel":"standard","summary":"s"}""", "respondingAgencies")]
    [InlineData("""{"kind":"disagreement.open","commandId":"x","by":{"role":"TM"},"concernId":"{concern}","respondingAgencies":["leics-police","leics-police"],"area":"other","harmLevel":"standard","summary":"s"}""", "respondingAgencies")]
    public async Task Bad_input_gets_400_problem_details_naming_the_field_and_nothing_reaches_the_hub(string json, string field)
    {
        var concern = await PartyToAsync();

        var response = await PostAsync(json.Replace("{dg}", Dg).Replace("{concern}", concern.ConcernId.ToString()).Replace("{other}", Guid.NewGuid().ToString()));
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        Assert.True(JsonDocument.Parse(body).RootElement.GetProperty("errors").TryGetProperty(field, out _), body);
        await Task.Delay(300);
        Assert.Empty(host.Hub.Received);
        Assert.Null(await Cases.CommandIdAsync(DeterministicId.ForCommand(Agency, "x")));
    }
}
