using EscalationHub.Contracts.V1;
using EscalationHub.IntegrationTests.Infrastructure;
using RabbitMQ.Client;

namespace EscalationHub.IntegrationTests.Operations;

/// <summary>Operations with a real broker: the social care adapter as its own process parks what it cannot apply in
/// its own error queue; the hub finds it through the RabbitMQ management API, and a redrive takes it out of there.</summary>
[Collection(BrokerCollection.Name)]
public sealed class BrokerOperationsTests(RabbitMqNode broker) : IAsyncLifetime
{
    private readonly List<IAsyncDisposable> running = [];
    private TestHub hub = null!;

    public async Task InitializeAsync() => running.Add(hub = await TestHub.StartAsync(broker.AmqpUri, new Dictionary<string, string>
    {
        ["Operations:RabbitMqManagement"] = broker.ManagementUri,
        ["Operations:DeadLetterScanInterval"] = "00:00:01",
        ["Operations:HeartbeatGrace"] = "00:00:02",
    }));

    public async Task DisposeAsync()
    {
        foreach (var item in Enumerable.Reverse(running)) await item.DisposeAsync();
    }

    [Fact]
    public async Task A_message_parked_by_a_remote_adapter_is_listed_with_its_reason_and_redriven_out_of_the_error_queue()
    {
        var outage = Path.Combine(hub.Directory, "socialcare-outage");
        await File.WriteAllTextAsync(outage, "down");
        var adapter = await TestAdapter.StartSocialCareAsync(broker.AmqpUri, extra: new Dictionary<string, string> { ["SocialCare:OutageFile"] = outage });
        running.Add(adapter);
        var concern = await hub.Concerns.RaiseConcernAsync(Requests.HospitalReferral());

        var letter = await Eventually.GetAsync(async () =>
            (await hub.Operations.ListDeadLettersAsync(new ListDeadLettersRequest(), TestHub.Operator)).DeadLetters.FirstOrDefault(),
            "the adapter's dead letter found through the management API", TimeSpan.FromSeconds(60));
        Assert.Equal(("agency.leics-socialcare_error", "ConcernRaised", concern.Reference), (letter.ErrorQueue, letter.MessageType, letter.CaseReference));
        Assert.Contains("simulated outage", letter.Reason);
        Assert.Equal(1, await ErrorQueueDepthAsync());

        using var http = new HttpClient { BaseAddress = new Uri(hub.DashboardAddress) };
        http.DefaultRequestHeaders.Add("x-operator-token", TestHub.OperatorToken);
        var depths = await http.GetStringAsync("/api/queues");
        Assert.Contains("rabbitmq-management", depths);
        Assert.Contains("agency.leics-socialcare_error", depths);

        File.Delete(outage);
        var redriven = await hub.Operations.RedriveAsync(new RedriveRequest { Ids = { letter.Id } }, TestHub.Operator);
        Assert.True(redriven.Results.Single().Sent);
        var changes = await Requests.WatchUntilDecidedAsync(hub.Concerns, concern.ConcernId, TimeSpan.FromSeconds(30));
        Assert.Equal(ConcernStatus.Decided, changes.Last().Status);
        Assert.Equal(0, await ErrorQueueDepthAsync());
        await Task.Delay(TimeSpan.FromSeconds(2)); // two more scans: the letter is not found again
        Assert.Empty((await hub.Operations.ListDeadLettersAsync(new ListDeadLettersRequest(), TestHub.Operator)).DeadLetters);
    }

    [Fact]
    public async Task An_adapter_that_stops_sending_heartbeats_is_reported_silent()
    {
        var adapter = await TestAdapter.StartSocialCareAsync(broker.AmqpUri, extra: new Dictionary<string, string> { ["Adapter:HeartbeatInterval"] = "00:00:01" });
        running.Add(adapter);
        var alive = await Eventually.GetAsync(async () =>
            (await hub.Operations.ListAdaptersAsync(new ListAdaptersRequest(), TestHub.Operator)).Adapters.FirstOrDefault(a => a.AgencyCode == "leics-socialcare"),
            "the remote adapter's heartbeat");
        Assert.False(alive.Silent);

        await adapter.DisposeAsync();
        running.Remove(adapter);
        var silent = await Eventually.GetAsync(async () =>
            (await hub.Operations.ListAdaptersAsync(new ListAdaptersRequest { AgencyCode = "leics-socialcare" }, TestHub.Operator)).Adapters.FirstOrDefault(a => a.Silent),
            "the adapter reported silent", TimeSpan.FromSeconds(20));
        Assert.True(silent.SilentFor.ToTimeSpan() > TimeSpan.FromSeconds(3));
    }

    private async Task<long> ErrorQueueDepthAsync()
    {
        var factory = new ConnectionFactory { Uri = new Uri(broker.AmqpUri) };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        return await channel.MessageCountAsync("agency.leics-socialcare_error");
    }
}
