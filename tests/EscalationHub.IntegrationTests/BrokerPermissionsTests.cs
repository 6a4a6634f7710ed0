using System.Text;
using EscalationHub.Contracts.V1;
using EscalationHub.IntegrationTests.Infrastructure;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;
using M = EscalationHub.Contracts.Messages;

namespace EscalationHub.IntegrationTests;

/// <summary>The broker users and permissions of compose/rabbitmq/definitions.json, imported into the real broker:
/// each agency reads only its own queue and writes only to its own inbound exchange, which leads to the hub.</summary>
[Collection(BrokerCollection.Name)]
public sealed class BrokerPermissionsTests(RabbitMqNode broker) : IAsyncLifetime
{
    private const ushort AccessRefused = 403;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly List<IAsyncDisposable> running = [];
    private string virtualHost = "";

    public async Task InitializeAsync() => virtualHost = await broker.ApplyDefinitionsAsync();

    public async Task DisposeAsync()
    {
        foreach (var item in Enumerable.Reverse(running)) await item.DisposeAsync();
    }

    private string UriOf(string user) => broker.AmqpUriFor(user, DevBrokerUsers.PasswordOf(user), virtualHost);

    private async Task<IConnection> ConnectAsync(string user)
    {
        var connection = await new ConnectionFactory { Uri = new Uri(UriOf(user)), ClientProvidedName = $"test-{user}" }.CreateConnectionAsync();
        running.Add(connection);
        return connection;
    }

    private static Task<IChannel> ChannelAsync(IConnection connection) =>
        connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));

    /// <summary>Runs an operation the broker should refuse and returns how the broker closed the channel.</summary>
    private static async Task<ShutdownEventArgs> RefusalOfAsync(IChannel channel, Func<IChannel, Task> operation)
    {
        var failure = await Xunit.Record.ExceptionAsync(() => operation(channel));
        Assert.NotNull(failure);
        var reason = channel.CloseReason ?? (failure as OperationInterruptedException)?.ShutdownReason;
        Assert.NotNull(reason);
        return reason;
    }

    /// <summary>Messages in a queue, asked of the queue itself (a passive declare needs no permission).</summary>
    private async Task<uint> MessageCountAsync(string queue)
    {
        await using var channel = await (await ConnectAsync("hub")).CreateChannelAsync();
        return (await channel.QueueDeclarePassiveAsync(queue)).MessageCount;
    }

    private static Task PublishAsync(IChannel channel, string exchange) =>
        channel.BasicPublishAsync(exchange, "", mandatory: true, new BasicProperties { Persistent = true }, Encoding.UTF8.GetBytes("{}")).AsTask();

    [Fact]
    public async Task The_police_adapters_credentials_are_refused_the_social_care_queue_but_may_consume_their_own()
    {
        var police = await ConnectAsync("leics-police");
        await using var refused = await ChannelAsync(police);
        await using var own = await ChannelAsync(police);

        var reason = await RefusalOfAsync(refused, c => c.BasicConsumeAsync("agency.leics-socialcare", autoAck: false, new AsyncEventingBasicConsumer(c)));
        var tag = await own.BasicConsumeAsync("agency.leics-police", autoAck: false, new AsyncEventingBasicConsumer(own));

        Assert.Equal(AccessRefused, reason.ReplyCode);
        Assert.Contains("ACCESS_REFUSED", reason.ReplyText);
        Assert.Contains("agency.leics-socialcare", reason.ReplyText);
        Assert.False(string.IsNullOrEmpty(tag));
    }

    [Theory]
    [InlineData("agency.leics-socialcare")] // straight to another agency
    [InlineData("hub.inbound.leics-socialcare")] // to the hub as another agency
    [InlineData("hub.inbound")] // to the hub, unattributed
    public async Task The_police_adapters_credentials_are_refused_another_agencys_exchange_and_the_hubs_own(string exchange)
    {
        var police = await ConnectAsync("leics-police");
        await using var refused = await ChannelAsync(police);
        await using var own = await ChannelAsync(police);

        var reason = await RefusalOfAsync(refused, c => PublishAsync(c, exchange));
        await PublishAsync(own, "hub.inbound.leics-police"); // confirmed and routed (mandatory), or this throws
        await WaitUntil(async () => await MessageCountAsync("hub.inbound") > 0); // the queue's count trails the confirm

        Assert.Equal(AccessRefused, reason.ReplyCode);
        Assert.Contains("ACCESS_REFUSED", reason.ReplyText);
        Assert.Equal(0u, await MessageCountAsync("agency.leics-socialcare"));
        Assert.Equal(1u, await MessageCountAsync("hub.inbound"));
    }

    [Fact]
    public async Task The_police_adapters_credentials_cannot_delete_or_redeclare_the_hubs_or_another_agencys_queues()
    {
        var police = await ConnectAsync("leics-police");
        await using var deleting = await ChannelAsync(police);
        await using var declaring = await ChannelAsync(police);
        await using var purging = await ChannelAsync(police);

        var delete = await RefusalOfAsync(deleting, c => c.QueueDeleteAsync("hub.inbound"));
        var declare = await RefusalOfAsync(declaring, c => c.QueueDeclareAsync("agency.leics-socialcare", durable: true, exclusive: false, autoDelete: false,
            new Dictionary<string, object?> { ["x-queue-type"] = "quorum" }));
        var purge = await RefusalOfAsync(purging, c => c.QueuePurgeAsync("agency.leics-socialcare"));

        Assert.All([delete, declare, purge], r => Assert.Equal(AccessRefused, r.ReplyCode));
        Assert.Contains("hub.inbound", broker.QueueTypes(virtualHost).Keys);
    }

    [Fact]
    public async Task The_hub_and_the_social_care_adapter_each_on_their_own_broker_user_carry_a_concern_to_its_decision()
    {
        var quorum = new Dictionary<string, string> { ["Messaging:QuorumQueues"] = "true" };
        var hub = await TestHub.StartAsync(UriOf("hub"), quorum);
        running.Add(hub);
        var socialCare = await TestAdapter.StartSocialCareAsync(UriOf("leics-socialcare"), extra: quorum);
        running.Add(socialCare);

        var concern = await hub.Concerns.RaiseConcernAsync(Requests.HospitalReferral());
        var changes = await Requests.WatchUntilDecidedAsync(hub.Concerns, concern.ConcernId, Patience);

        Assert.Equal([ConcernStatus.Received, ConcernStatus.Acknowledged, ConcernStatus.Decided], changes.Select(c => c.Status));
        Assert.Equal(1, socialCare.InboxCount(nameof(M.ConcernRaised)));
        Assert.DoesNotContain("ACCESS_REFUSED", hub.Output + socialCare.Output);
        Assert.Contains("leics-socialcare", broker.ConnectionUsers(virtualHost));
        Assert.Contains("hub", broker.ConnectionUsers(virtualHost));
    }

    [Fact]
    public async Task A_social_care_adapter_running_on_stolen_police_credentials_is_refused_its_queue_and_never_sees_the_concern()
    {
        var quorum = new Dictionary<string, string> { ["Messaging:QuorumQueues"] = "true" };
        var hub = await TestHub.StartAsync(UriOf("hub"), quorum);
        running.Add(hub);
        var impostor = await TestAdapter.StartSocialCareAsync(UriOf("leics-police"), "leics-socialcare", quorum, waitUntilHealthy: false);
        running.Add(impostor);

        var concern = await hub.Concerns.RaiseConcernAsync(Requests.HospitalReferral());
        await WaitUntil(() => impostor.Output.Contains("ACCESS_REFUSED"));
        await Task.Delay(2000); // time in which a consuming adapter would have acknowledged

        var stored = await hub.Concerns.GetConcernAsync(new GetConcernRequest { ConcernId = concern.ConcernId, AgencyCode = "uhl-health" });
        Assert.Equal(ConcernStatus.Received, stored.Status);
        Assert.Equal(0, impostor.InboxCount(nameof(M.ConcernRaised)));
        Assert.Equal(1u, await MessageCountAsync("agency.leics-socialcare")); // still waiting for the real adapter
        Assert.Equal(503, await impostor.HealthStatusAsync()); // MassTransit's bus health check: the endpoint is faulted
    }

    private static Task WaitUntil(Func<bool> condition) => WaitUntil(() => Task.FromResult(condition()));

    private static async Task WaitUntil(Func<Task<bool>> condition)
    {
        var until = DateTime.UtcNow + Patience;
        while (!await condition())
        {
            if (DateTime.UtcNow > until) throw new TimeoutException("the condition was not met in time");
            await Task.Delay(200);
        }
    }

    [Fact]
    public async Task Running_the_system_declares_nothing_beyond_the_definitions_so_no_temporary_bus_queue_needs_a_permission()
    {
        var quorum = new Dictionary<string, string> { ["Messaging:QuorumQueues"] = "true" };
        var queuesBefore = broker.QueueTypes(virtualHost).Keys.Order().ToList();
        var exchangesBefore = broker.Exchanges(virtualHost);
        var hub = await TestHub.StartAsync(UriOf("hub"), quorum);
        running.Add(hub);
        var socialCare = await TestAdapter.StartSocialCareAsync(UriOf("leics-socialcare"), extra: quorum);
        running.Add(socialCare);

        var concern = await hub.Concerns.RaiseConcernAsync(Requests.HospitalReferral());
        await Requests.WatchUntilDecidedAsync(hub.Concerns, concern.ConcernId, Patience);

        // MassTransit 8.5.12 starts its per-bus temporary endpoint ({host}_{process}_bus_{id}) only when something
        // needs it (a request client, a bus-level consumer); these processes use neither.
        Assert.Equal(queuesBefore, broker.QueueTypes(virtualHost).Keys.Order());
        Assert.Equal(exchangesBefore, broker.Exchanges(virtualHost));
        Assert.Equal(["agency.leics-police", "agency.leics-socialcare", "agency.oakfield-school", "agency.uhl-health", "hub.inbound"], queuesBefore);
    }
}
