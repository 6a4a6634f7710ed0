using System.Net;
using System.Text;
using EscalationHub.Contracts.V1;
using EscalationHub.IntegrationTests.Infrastructure;

namespace EscalationHub.IntegrationTests;

/// <summary>The hub and the police adapter as processes on the real broker, the police case system a real HTTP
/// endpoint in the test.</summary>
[Collection(BrokerCollection.Name)]
public sealed class PoliceWebhookTests(RabbitMqNode broker) : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly List<IAsyncDisposable> running = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var item in Enumerable.Reverse(running)) await item.DisposeAsync();
    }

    [Fact]
    public async Task A_concern_for_the_police_waits_while_the_case_system_is_down_is_delivered_exactly_once_when_it_is_up_and_the_answer_reaches_the_hub()
    {
        var amqp = await broker.NewVirtualHostAsync();
        using var caseSystem = AgencySystemStub.Start(up: false);
        var hub = await TestHub.StartAsync(amqp);
        running.Add(hub);
        var police = await TestAdapter.StartAsync(TestAdapter.Kind.Police, amqp, "leics-police",
            new Dictionary<string, string> { ["Adapter:AgencySystem:Url"] = caseSystem.Url });
        running.Add(police);

        var concern = await hub.Concerns.RaiseConcernAsync(Requests.HospitalReferral(addressedTo: "leics-police"));
        await WaitUntil(() => caseSystem.Requests.Count >= 3);
        caseSystem.Up = true;
        await WaitUntil(() => caseSystem.Delivered == 1);
        await Task.Delay(2500); // a wrongly repeated delivery would arrive now

        Assert.Equal(1, caseSystem.Delivered);
        Assert.Single(caseSystem.Requests.Select(r => r.DeliveryId).Distinct());
        Assert.Contains(concern.ConcernId, caseSystem.Requests.Last().Body);

        using var http = police.AgencySystem();
        var answer = await http.PostAsync("/responses", new StringContent($$"""
            {"kind":"concern.decided","concernId":"{{concern.ConcernId}}","by":{"role":"Detective Inspector, Public Protection"},
             "decision":"strategy-discussion","reason":"Joint enquiry","agreedActions":["Attend the strategy discussion today"]}
            """, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Accepted, answer.StatusCode);
        var changes = await Requests.WatchUntilDecidedAsync(hub.Concerns, concern.ConcernId, Patience);
        Assert.Equal(ConcernStatus.Decided, changes.Last().Status);
        Assert.Equal("Joint enquiry\nAgreed actions: Attend the strategy discussion today", changes.Last().Reason);
    }

    [Fact]
    public async Task A_bad_answer_from_the_case_system_gets_400_and_changes_nothing_on_the_hub()
    {
        var amqp = await broker.NewVirtualHostAsync();
        using var caseSystem = AgencySystemStub.Start(up: true);
        var hub = await TestHub.StartAsync(amqp);
        running.Add(hub);
        var police = await TestAdapter.StartAsync(TestAdapter.Kind.Police, amqp, "leics-police",
            new Dictionary<string, string> { ["Adapter:AgencySystem:Url"] = caseSystem.Url });
        running.Add(police);
        var concern = await hub.Concerns.RaiseConcernAsync(Requests.HospitalReferral(addressedTo: "leics-police"));
        await WaitUntil(() => caseSystem.Delivered == 1);

        using var http = police.AgencySystem();
        var answer = await http.PostAsync("/responses", new StringContent($$"""
            {"kind":"concern.decided","concernId":"{{concern.ConcernId}}","by":{"role":"Police Constable"},"decision":"no-further-action","reason":"x"}
            """, Encoding.UTF8, "application/json"));
        await Task.Delay(1500);

        Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
        Assert.Contains("by.role", await answer.Content.ReadAsStringAsync());
        Assert.Equal(0, hub.Count("Inbox", "MessageType LIKE '%Concern'")); // no acknowledgement or decision reached the hub
        Assert.Equal(1, hub.Count("ConcernStatusChanges"));
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        var until = DateTime.UtcNow + Patience;
        while (!condition())
        {
            if (DateTime.UtcNow > until) throw new TimeoutException("condition not met in time");
            await Task.Delay(100);
        }
    }
}
