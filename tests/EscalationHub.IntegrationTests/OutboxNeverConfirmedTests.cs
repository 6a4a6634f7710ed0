using EscalationHub.Contracts.V1;
using EscalationHub.IntegrationTests.Infrastructure;

namespace EscalationHub.IntegrationTests;

/// <summary>The outbox dispatcher and a broker that takes a message and never confirms it: the node's memory alarm
/// blocks the hub's publishing connection, so the concern's send waits past Outbox:SendTimeout. The row stays unsent
/// and is sent again with the same MessageId once the alarm is lifted; the blocked first copy may arrive too, and the
/// adapter's inbox applies the concern once.</summary>
[Collection(BrokerCollection.Name)]
public sealed class OutboxNeverConfirmedTests(RabbitMqNode broker)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task A_concern_whose_broker_confirm_never_comes_is_sent_again_with_the_same_message_id_and_applied_once()
    {
        var amqp = await broker.NewVirtualHostAsync();
        await using var hub = await TestHub.StartAsync(amqp, new Dictionary<string, string> { ["Outbox:SendTimeout"] = "00:00:02" });
        await using var socialCare = await TestAdapter.StartAsync(TestAdapter.Kind.SocialCare, amqp, "leics-socialcare");

        string concernId;
        await broker.SetMemoryHighWatermarkAsync(0);
        try
        {
            concernId = (await hub.Concerns.RaiseConcernAsync(Requests.HospitalReferral())).ConcernId;
            await Eventually.TrueAsync(
                () => Task.FromResult(hub.Count("Outbox", "MessageType LIKE '%ConcernRaised' AND SentAt IS NULL AND LastError LIKE '%confirm%'") == 1),
                "the concern's send to time out unconfirmed", Patience);
        }
        finally
        {
            await broker.SetMemoryHighWatermarkAsync(0.4);
        }

        var changes = await Requests.WatchUntilDecidedAsync(hub.Concerns, concernId, Patience);
        Assert.Equal([ConcernStatus.Received, ConcernStatus.Acknowledged, ConcernStatus.Decided], changes.Select(c => c.Status));
        Assert.Equal(1, hub.Count("Outbox", "MessageType LIKE '%ConcernRaised' AND SentAt IS NOT NULL AND Attempts >= 2"));
        Assert.Equal(3, hub.Count("ConcernStatusChanges", "upper(ConcernId) = upper($id)", ("$id", concernId)));
        Assert.Equal(3, hub.Count("LedgerEntries", "CaseId = $id", ("$id", concernId)));
        Assert.Equal(1, socialCare.InboxMessages().Count(m => m.Type.EndsWith("ConcernRaised", StringComparison.Ordinal)));
        var received = socialCare.SimulatorReceived();
        Assert.True(received.Count > 0 && received.Select(r => r.Kind).Distinct().Count() == received.Count,
            $"the agency system received {string.Join(", ", received.Select(r => r.Kind))}");
    }
}
