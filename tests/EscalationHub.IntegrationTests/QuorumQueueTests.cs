using EscalationHub.Contracts.V1;
using EscalationHub.IntegrationTests.Infrastructure;
using M = EscalationHub.Contracts.Messages;

namespace EscalationHub.IntegrationTests;

/// <summary>Messaging:QuorumQueues=true on the real broker, in an empty virtual host: the hub and the adapter
/// declare every durable queue themselves, and every one of them is a quorum queue.</summary>
[Collection(BrokerCollection.Name)]
public sealed class QuorumQueueTests(RabbitMqNode broker) : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private static readonly Dictionary<string, string> Quorum = new() { ["Messaging:QuorumQueues"] = "true" };
    private readonly List<IAsyncDisposable> running = [];
    private string virtualHost = "";

    public Task InitializeAsync()
    {
        virtualHost = broker.CreateVirtualHost();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        foreach (var item in Enumerable.Reverse(running)) await item.DisposeAsync();
    }

    [Fact]
    public async Task A_hub_and_adapter_on_quorum_queues_carry_a_concern_to_its_decision_and_every_queue_they_declare_is_quorum()
    {
        var uri = broker.AmqpUriFor("guest", "guest", virtualHost);
        var socialCare = await TestAdapter.StartSocialCareAsync(uri, extra: Quorum); // first: its queue is declared by its endpoint
        running.Add(socialCare);
        var hub = await TestHub.StartAsync(uri, Quorum);
        running.Add(hub);

        var concern = await hub.Concerns.RaiseConcernAsync(Requests.HospitalReferral());
        var changes = await Requests.WatchUntilDecidedAsync(hub.Concerns, concern.ConcernId, Patience);
        // A message the hub refuses creates its error queue, which must be quorum too.
        await using var stranger = await TestBus.StartAsync(broker, virtualHost: virtualHost);
        await stranger.SendAsync(M.Addresses.HubInbound,
            new M.AcknowledgeConcern(Guid.NewGuid(), new M.ActorRef("leics-police", "Detective Sergeant"), DateTimeOffset.UtcNow), Guid.NewGuid());
        await WaitUntil(() => broker.QueueTypes(virtualHost).ContainsKey("hub.inbound_error"));

        Assert.Equal([ConcernStatus.Received, ConcernStatus.Acknowledged, ConcernStatus.Decided], changes.Select(c => c.Status));
        Assert.DoesNotContain("PRECONDITION_FAILED", hub.Output + socialCare.Output);
        var queues = broker.QueueTypes(virtualHost);
        Assert.Equal(["agency.leics-police", "agency.leics-socialcare", "agency.oakfield-school", "agency.uhl-health", "hub.inbound", "hub.inbound_error"],
            queues.Keys.Order());
        Assert.All(queues, q => Assert.Equal("quorum", q.Value));
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        var until = DateTime.UtcNow + Patience;
        while (!condition())
        {
            if (DateTime.UtcNow > until) throw new TimeoutException("the condition was not met in time");
            await Task.Delay(200);
        }
    }
}
