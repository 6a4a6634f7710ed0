using System.Net;
using System.Text;
using System.Text.Json;
using EscalationHub.Adapters.Police;
using EscalationHub.Adapters.Runtime;
using EscalationHub.Adapters.Runtime.AgencySystem;
using EscalationHub.Adapters.Tests.Infrastructure;
using EscalationHub.Contracts.Messages;
using Microsoft.Extensions.DependencyInjection;

namespace EscalationHub.Adapters.Tests.Http;

/// <summary>The police adapter against a police case system stub on a real HTTP port.</summary>
public sealed class PoliceAdapterTests : IAsyncLifetime
{
    private AgencySystemStub police = null!;
    private AdapterTestHost host = null!;

    public async Task InitializeAsync()
    {
        police = await AgencySystemStub.StartAsync(up: true);
        host = await StartAsync(police.Url + "/webhooks/escalationhub");
    }

    public async Task DisposeAsync()
    {
        await host.DisposeAsync();
        await police.DisposeAsync();
    }

    private static Task<AdapterTestHost> StartAsync(string? url, string? directory = null) => AdapterTestHost.StartAsync(
        (builder, section) => builder.AddPoliceAdapter(section),
        (routes, settings) => routes.MapPoliceAdapter((AdapterSettings)settings),
        new Dictionary<string, string?> { ["Adapter:AgencySystem:Url"] = url },
        directory);

    private async Task<ConcernRaised> DeliveredConcernAsync()
    {
        var concern = Samples.Concern("leics-police");
        await host.SendToAgencyAsync("leics-police", concern);
        await AdapterTestHost.WaitUntilAsync(() => police.Delivered == 1);
        return concern;
    }

    private Task<HttpResponseMessage> PostAsync(string json) =>
        host.Http.PostAsync("/responses", new StringContent(json, Encoding.UTF8, "application/json"));

    [Fact]
    public async Task A_concern_naming_the_police_is_posted_to_the_case_system_as_a_documented_JSON_envelope()
    {
        var concern = await DeliveredConcernAsync();

        var request = Assert.Single(police.Requests);
        Assert.Equal(("POST", "/webhooks/escalationhub"), (request.Method, request.Path));
        using var body = JsonDocument.Parse(request.Body);
        var root = body.RootElement;
        Assert.Equal("concern.raised", root.GetProperty("kind").GetString());
        Assert.Equal(request.DeliveryId, root.GetProperty("deliveryId").GetString());
        Assert.Equal("leics-police", root.GetProperty("agencyCode").GetString());
        var sent = root.GetProperty("concern");
        Assert.Equal(concern.ConcernId.ToString(), sent.GetProperty("concernId").GetString());
        Assert.Equal("9434765919", sent.GetProperty("child").GetProperty("nhsNumber").GetString());
        Assert.Equal("2024-03-14", sent.GetProperty("child").GetProperty("dateOfBirth").GetString());
        Assert.Equal("significant-harm", sent.GetProperty("harmLevel").GetString());
        Assert.Equal("physical-abuse", sent.GetProperty("category").GetString());
        Assert.True(sent.TryGetProperty("decisionDueAt", out _));
    }

    [Fact]
    public async Task While_the_case_system_is_down_the_webhook_is_retried_with_backoff_and_delivered_exactly_once_when_it_is_up()
    {
        police.Up = false;
        var concern = Samples.Concern("leics-police");

        await host.SendToAgencyAsync("leics-police", concern);
        await AdapterTestHost.WaitUntilAsync(() => police.Requests.Count >= 4);
        police.Up = true;
        await AdapterTestHost.WaitUntilAsync(() => police.Delivered == 1);
        await Task.Delay(1500); // anything wrongly resent would arrive now

        Assert.Equal(1, police.Delivered);
        Assert.Single(police.Requests.Select(r => r.DeliveryId).Distinct());
        var delivery = Assert.Single(await host.Services.GetRequiredService<AgencyAdapters>().ForAgency("leics-police").Outbox.AllAsync());
        Assert.NotNull(delivery.DeliveredAt);
        Assert.Equal(police.Requests.Count, delivery.Attempts);
    }

    [Fact]
    public async Task A_delivery_owed_survives_a_restart_of_the_adapter()
    {
        police.Up = false;
        var directory = host.Directory;
        await host.SendToAgencyAsync("leics-police", Samples.Concern("leics-police"));
        await AdapterTestHost.WaitUntilAsync(() => police.Requests.Count >= 1);
        await host.DisposeAsync();

        police.Up = true;
        host = await StartAsync(police.Url + "/webhooks/escalationhub", directory);
        await AdapterTestHost.WaitUntilAsync(() => police.Delivered == 1);

        Assert.Single(police.Requests.Select(r => r.DeliveryId).Distinct());
    }

    [Fact]
    public async Task A_redelivered_concern_is_posted_once()
    {
        var concern = Samples.Concern("leics-police");
        var messageId = Guid.NewGuid();

        await host.SendToAgencyAsync("leics-police", concern, messageId);
        await host.SendToAgencyAsync("leics-police", concern, messageId);
        await AdapterTestHost.WaitUntilAsync(() => police.Delivered == 1);
        await Task.Delay(1000);

        Assert.Single(police.Requests);
    }

    [Fact]
    public async Task The_acknowledgement_and_the_detective_sergeants_decision_with_agreed_actions_go_to_the_hub()
    {
        var concern = await DeliveredConcernAsync();

        var ack = await PostAsync($$$"""{"kind":"concern.acknowledged","concernId":"{{{concern.ConcernId}}}","by":{"role":"Detective Constable, CAIT"}}""");
        var decision = await PostAsync($$"""
            {"kind":"concern.decided","concernId":"{{concern.ConcernId}}","by":{"role":"Detective Sergeant, CAIT"},
             "decision":"strategy-discussion","reason":"Possible offence of ABH","agreedActions":["Joint visit with CSC today","PNC check"]}
            """);
        await AdapterTestHost.WaitUntilAsync(() => host.Hub.Received.Count == 2);

        Assert.Equal(HttpStatusCode.Accepted, ack.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, decision.StatusCode);
        var acknowledged = Assert.Single(host.Hub.Of<AcknowledgeConcern>());
        Assert.Equal(new ActorRef("leics-police", "Detective Constable, CAIT"), acknowledged.AcknowledgedBy);
        var decided = Assert.Single(host.Hub.Of<DecideConcern>());
        Assert.Equal(ConcernDecision.StrategyDiscussion, decided.Decision);
        Assert.Equal("Possible offence of ABH\nAgreed actions: Joint visit with CSC today; PNC check", decided.Reason);
        Assert.Equal("Detective Sergeant, CAIT", decided.DecidedBy.Role);
    }

    [Fact]
    public async Task An_acknowledgement_and_a_decision_posted_together_go_to_the_hub_as_one_reply()
    {
        var concern = await DeliveredConcernAsync();

        var response = await PostAsync($$"""
            [{"kind":"concern.acknowledged","concernId":"{{concern.ConcernId}}","by":{"role":"Detective Constable, CAIT"},"at":"{{DateTimeOffset.UtcNow.AddMinutes(-2):O}}"},
             {"kind":"concern.decided","concernId":"{{concern.ConcernId}}","by":{"role":"Detective Sergeant, CAIT"},"decision":"no-further-action","reason":"No offence disclosed"}]
            """);
        await AdapterTestHost.WaitUntilAsync(() => !host.Hub.Received.IsEmpty);
        await Task.Delay(300);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var decided = Assert.IsType<DecideConcern>(Assert.Single(host.Hub.Received).Message);
        Assert.Equal((ConcernDecision.NoFurtherAction, "Detective Sergeant, CAIT"), (decided.Decision, decided.DecidedBy.Role));
        Assert.Equal(new ActorRef("leics-police", "Detective Constable, CAIT"), decided.AcknowledgedBy);
        Assert.True(decided.AcknowledgedAt < decided.DecidedAt);
    }

    [Theory]
    [InlineData("not json", "$")]
    [InlineData("[1,2]", "[0]")]
    [InlineData("[]", "$")]
    [InlineData("""[{"kind":"concern.acknowledged","concernId":"{id}","by":{"role":"DC"}},{"kind":"concern.decided","concernId":"{id}","by":{"role":"DS"},"decision":"arrest","reason":"x"}]""", "[1].decision")]
    [InlineData("""[{"kind":"concern.acknowledged","concernId":"{id}","by":{"role":"DC"}},{"kind":"concern.acknowledged","concernId":"{id}","by":{"role":"DC"}}]""", "$")]
    [InlineData("""[{"kind":"concern.acknowledged","concernId":"{id}","by":{"role":"DC"}},{"kind":"concern.acknowledged","concernId":"{other}","by":{"role":"DC"}}]""", "[1].concernId")]
    [InlineData("""{"kind":"concern.escalated","concernId":"{id}","by":{"role":"DS"}}""", "kind")]
    [InlineData("""{"kind":"concern.acknowledged","concernId":"nope","by":{"role":"DC"}}""", "concernId")]
    [InlineData("""{"kind":"concern.acknowledged","concernId":"{other}","by":{"role":"DC"}}""", "concernId")]
    [InlineData("""{"kind":"concern.acknowledged","concernId":"{id}"}""", "by")]
    [InlineData("""{"kind":"concern.acknowledged","concernId":"{id}","by":{"role":""}}""", "by.role")]
    [InlineData("""{"kind":"concern.acknowledged","concernId":"{id}","by":{"role":"DC"},"at":"yesterday"}""", "at")]
    [InlineData("""{"kind":"concern.decided","concernId":"{id}","by":{"role":"Detective Constable"},"decision":"no-further-action","reason":"x"}""", "by.role")]
    [InlineData("""{"kind":"concern.decided","concernId":"{id}","by":{"role":"Detective Sergeant"},"decision":"arrest","reason":"x"}""", "decision")]
    [InlineData("""{"kind":"concern.decided","concernId":"{id}","by":{"role":"Detective Sergeant"},"decision":"no-further-action"}""", "reason")]
    [InlineData("""{"kind":"concern.decided","concernId":"{id}","by":{"role":"Detective Sergeant"},"decision":"no-further-action","reason":"x","agreedActions":[""]}""", "agreedActions[0]")]
    public async Task Bad_input_gets_400_problem_details_naming_the_field_and_nothing_reaches_the_hub(string json, string field)
    {
        var concern = await DeliveredConcernAsync();

        var response = await PostAsync(json.Replace("{id}", concern.ConcernId.ToString()).Replace("{other}", Guid.NewGuid().ToString()));
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        using var problem = JsonDocument.Parse(body);
        Assert.Equal(400, problem.RootElement.GetProperty("status").GetInt32());
        Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty(field, out _), body);
        await Task.Delay(300);
        Assert.Empty(host.Hub.Received);
    }
}
