using EscalationHub.Contracts.V1;
using EscalationHub.IntegrationTests.Infrastructure;
using RabbitMQ.Client;
using M = EscalationHub.Contracts.Messages;

namespace EscalationHub.IntegrationTests.Operations;

/// <summary>Redrive on the real broker with the shipped definitions: the hub, on its own broker user (also for the
/// management API), finds a message the social care adapter (on its own user) parked in agency.leics-socialcare_error,
/// and a redrive delivers it once and takes the parked copy out.</summary>
[Collection(BrokerCollection.Name)]
public sealed class BrokerRedriveTests(RabbitMqNode broker) : IAsyncLifetime
{
    private readonly List<IAsyncDisposable> running = [];
    private string virtualHost = "";

    public async Task InitializeAsync() => virtualHost = await broker.ApplyDefinitionsAsync();

    public async Task DisposeAsync()
    {
        foreach (var item in Enumerable.Reverse(running)) await item.DisposeAsync();
    }

    private string UriOf(string user) => broker.AmqpUriFor(user, DevBrokerUsers.PasswordOf(user), virtualHost);

    private async Task<uint> ErrorQueueDepthAsync()
    {
        // A passive declare needs no permission; the hub's user asks.
        await using var connection = await new ConnectionFactory { Uri = new Uri(UriOf("hub")) }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        return (await channel.QueueDeclarePassiveAsync("agency.leics-socialcare_error")).MessageCount;
    }

    [Fact]
    public async Task Redriving_a_message_parked_by_a_remote_adapter_delivers_it_once_and_removes_the_parked_copy()
    {
        var quorum = new Dictionary<string, string> { ["Messaging:QuorumQueues"] = "true" };
        var hub = await TestHub.StartAsync(UriOf("hub"), new Dictionary<string, string>(quorum)
        {
            ["Operations:RabbitMqManagement"] = $"http://hub:{Uri.EscapeDataString(DevBrokerUsers.PasswordOf("hub"))}@127.0.0.1:{broker.ManagementPort}/",
            ["Operations:DeadLetterScanInterval"] = "00:00:01",
        });
        running.Add(hub);
        var outage = Path.Combine(hub.Directory, "socialcare-outage");
        await File.WriteAllTextAsync(outage, "down");
        var adapter = await TestAdapter.StartSocialCareAsync(UriOf("leics-socialcare"),
            extra: new Dictionary<string, string>(quorum) { ["SocialCare:OutageFile"] = outage });
        running.Add(adapter);

        var concern = await hub.Concerns.RaiseConcernAsync(Requests.HospitalReferral());
        var letter = await Eventually.GetAsync(async () =>
            (await hub.Operations.ListDeadLettersAsync(new ListDeadLettersRequest(), TestHub.Operator)).DeadLetters.FirstOrDefault(),
            "the adapter's dead letter found through the management API as the hub's user", TimeSpan.FromSeconds(60));
        Assert.Equal(("agency.leics-socialcare_error", "ConcernRaised"), (letter.ErrorQueue, letter.MessageType));
        Assert.Equal(1u, await ErrorQueueDepthAsync());
        Assert.Empty(adapter.SimulatorReceived());

        File.Delete(outage);
        var redriven = await hub.Operations.RedriveAsync(new RedriveRequest { Ids = { letter.Id }, Reason = "social care system back" }, TestHub.Operator);
        var changes = await Requests.WatchUntilDecidedAsync(hub.Concerns, concern.ConcernId, TimeSpan.FromSeconds(60));
        await Task.Delay(TimeSpan.FromSeconds(3)); // several scans and any duplicate delivery would have landed by now

        Assert.True(redriven.Results.Single().Sent, redriven.Results.Single().Detail);
        Assert.Equal(ConcernStatus.Decided, changes.Last().Status);
        Assert.Equal(0u, await ErrorQueueDepthAsync()); // the parked copy is gone, not just forgotten by the hub
        Assert.Single(adapter.SimulatorReceived(), r => r.Body.Contains(concern.Reference)); // delivered to the agency system once
        Assert.Equal(1, adapter.InboxCount(nameof(M.ConcernRaised)));
        Assert.Empty((await hub.Operations.ListDeadLettersAsync(new ListDeadLettersRequest(), TestHub.Operator)).DeadLetters);
        Assert.DoesNotContain("ACCESS_REFUSED", hub.Output);
        Assert.DoesNotContain("System.Net.Http.HttpClient", hub.Output); // the management scan ran every second: no request lines
    }
}
