using System.Text.Json;
using System.Text.Json.Serialization;
using EscalationHub.Contracts.V1;
using EscalationHub.IntegrationTests.Infrastructure;
using Grpc.Health.V1;
using Microsoft.Data.Sqlite;
using M = EscalationHub.Contracts.Messages;

namespace EscalationHub.IntegrationTests;

/// <summary>The hub and the social care adapter as their own processes on a private RabbitMQ node.</summary>
[Collection(BrokerCollection.Name)]
public sealed class BrokerDeliveryTests(RabbitMqNode broker) : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly List<IAsyncDisposable> running = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var item in Enumerable.Reverse(running)) await item.DisposeAsync();
    }

    private async Task<TestHub> StartHubAsync(IReadOnlyDictionary<string, string>? extra = null)
    {
        var hub = await TestHub.StartAsync(broker.AmqpUri, extra);
        running.Add(hub);
        return hub;
    }

    private async Task<TestAdapter> StartSocialCareAsync()
    {
        var adapter = await TestAdapter.StartSocialCareAsync(broker.AmqpUri);
        running.Add(adapter);
        return adapter;
    }

    [Fact]
    public async Task A_concern_is_delivered_over_the_broker_and_acknowledged_and_decided_by_the_social_care_adapter()
    {
        var hub = await StartHubAsync();
        var socialCare = await StartSocialCareAsync();

        var concern = await hub.Concerns.RaiseConcernAsync(Requests.HospitalReferral());
        var changes = await Requests.WatchUntilDecidedAsync(hub.Concerns, concern.ConcernId, Patience);

        Assert.Equal([ConcernStatus.Received, ConcernStatus.Acknowledged, ConcernStatus.Decided], changes.Select(c => c.Status));
        Assert.All(changes.Skip(1), c => Assert.Equal("leics-socialcare", c.By.AgencyCode));
        Assert.Equal(1, socialCare.InboxCount(nameof(M.ConcernRaised)));
        Assert.Equal(0, hub.Count("Outbox", "SentAt IS NULL AND MessageType LIKE '%ConcernRaised'"));
    }

    [Fact]
    public async Task A_concern_answered_at_once_costs_three_broker_messages_the_concern_one_reply_and_one_notice_to_the_raiser()
    {
        var hub = await StartHubAsync();
        await StartSocialCareAsync();
        await using var tap = await BrokerTap.StartAsync(broker.AmqpUri,
            M.Addresses.AgencyQueue("leics-socialcare"), M.Addresses.HubInboundFrom("leics-socialcare"), M.Addresses.AgencyQueue("uhl-health"));

        var concern = await hub.Concerns.RaiseConcernAsync(Requests.HospitalReferral());
        var changes = await Requests.WatchUntilDecidedAsync(hub.Concerns, concern.ConcernId, Patience);
        await Eventually.TrueAsync(() => Task.FromResult(hub.Count("Outbox", "SentAt IS NULL") == 0), "the notice to the raiser sent");

        var tapped = await tap.TakeAsync();
        var aboutConcern = tapped.Where(m => m.Message.TryGetProperty("concernId", out var id) && id.GetString() == concern.ConcernId).ToList();
        // The social care system acknowledged and decided at once: one reply; the raiser asked over gRPC (its answer was
        // the response, no ConcernAccepted) and is told once, DECIDED with the acknowledgement's time.
        Assert.Equal(["ConcernRaised", "DecideConcern", "ConcernStatusChanged"], aboutConcern.Select(m => m.Type));
        var notice = aboutConcern[2].Message;
        Assert.Equal("Decided", notice.GetProperty("status").GetString());
        Assert.Equal(changes[1].At.ToDateTimeOffset(), notice.GetProperty("acknowledgedAt").GetDateTimeOffset());
        // The reply is the concern's receipt: no MessageDelivered for it.
        var raisedId = aboutConcern[0].MessageId;
        Assert.DoesNotContain(tapped, m => m.Type == "MessageDelivered" && m.Message.GetProperty("messageId").GetGuid() == raisedId);
        // Both steps are still on the record: two status changes and two ledger entries after RECEIVED.
        Assert.Equal([ConcernStatus.Received, ConcernStatus.Acknowledged, ConcernStatus.Decided], changes.Select(c => c.Status));
        Assert.Equal("Duty social worker", changes[1].By.Role); // the acknowledgement as the system gave it, not the decider
        Assert.Equal(3, hub.Count("LedgerEntries", $"CaseId = '{concern.ConcernId}'"));
    }

    [Fact]
    public async Task Raising_the_same_concern_twice_returns_the_first_and_sends_nothing_new()
    {
        var hub = await StartHubAsync();
        var socialCare = await StartSocialCareAsync();
        var request = Requests.HospitalReferral("ice-order-778812");

        var first = await hub.Concerns.RaiseConcernAsync(request);
        await Requests.WatchUntilDecidedAsync(hub.Concerns, first.ConcernId, Patience);
        var repeat = await hub.Concerns.RaiseConcernAsync(request);
        await Task.Delay(1000); // give anything wrongly sent time to arrive

        Assert.Equal(first.ConcernId, repeat.ConcernId);
        Assert.Equal(first.Reference, repeat.Reference);
        Assert.Equal(1, hub.Count("Concerns"));
        Assert.Equal(1, hub.Count("Outbox", "MessageType LIKE '%ConcernRaised'"));
        Assert.Equal(1, socialCare.InboxCount(nameof(M.ConcernRaised)));
        Assert.Equal(3, hub.Count("ConcernStatusChanges"));
    }

    [Fact]
    public async Task A_hub_killed_after_commit_and_before_dispatch_sends_the_message_after_restart()
    {
        var socialCare = await StartSocialCareAsync();
        var hub = await StartHubAsync(new Dictionary<string, string> { ["Outbox:DispatcherEnabled"] = "false" });

        var concern = await hub.Concerns.RaiseConcernAsync(Requests.HospitalReferral());
        Assert.Equal(1, hub.Count("Outbox", "SentAt IS NULL AND MessageType LIKE '%ConcernRaised'"));
        hub.Kill(); // SIGKILL: nothing but the committed transaction survives

        await hub.StartProcessAsync(new Dictionary<string, string> { ["Outbox:DispatcherEnabled"] = "true" });
        var changes = await Requests.WatchUntilDecidedAsync(hub.Concerns, concern.ConcernId, Patience);

        Assert.Equal(ConcernStatus.Decided, changes.Last().Status);
        Assert.Equal(1, socialCare.InboxCount(nameof(M.ConcernRaised)));
        Assert.Equal(0, hub.Count("Outbox", "SentAt IS NULL AND MessageType LIKE '%ConcernRaised'"));
    }

    [Fact]
    public async Task An_acknowledgement_delivered_twice_is_applied_once_by_the_hub()
    {
        var hub = await StartHubAsync();
        await using var police = await TestBus.StartAsync(broker);
        var concern = await hub.Concerns.RaiseConcernAsync(Requests.HospitalReferral(addressedTo: "leics-police"));
        var acknowledgement = new M.AcknowledgeConcern(Guid.Parse(concern.ConcernId), new M.ActorRef("leics-police", "Detective Sergeant, CAIT"), DateTimeOffset.UtcNow);
        var messageId = Guid.NewGuid();

        await police.SendAsync(M.Addresses.HubInbound, acknowledgement, messageId);
        await police.SendAsync(M.Addresses.HubInbound, acknowledgement, messageId);
        await WaitUntil(() => hub.Count("Inbox") == 1);
        await Task.Delay(1500); // the redelivery has had time to be consumed

        Assert.Equal(1, hub.Count("Inbox", "MessageId = $id", ("$id", messageId.ToString().ToUpperInvariant())) + hub.Count("Inbox", "MessageId = $id", ("$id", messageId.ToString())));
        Assert.Equal(2, hub.Count("ConcernStatusChanges")); // received, acknowledged: once
        Assert.Equal(1, hub.Count("Outbox", "MessageType LIKE '%ConcernStatusChanged'")); // the raiser is told once
        Assert.Contains("already applied", hub.Output);
        var stored = await hub.Concerns.GetConcernAsync(new GetConcernRequest { ConcernId = concern.ConcernId, AgencyCode = "uhl-health" });
        Assert.Equal(ConcernStatus.Acknowledged, stored.Status);
    }

    [Fact]
    public async Task A_concern_redelivered_to_the_social_care_adapter_is_applied_once()
    {
        var hub = await StartHubAsync();
        var socialCare = await StartSocialCareAsync();
        await using var redeliverer = await TestBus.StartAsync(broker);
        var concern = await hub.Concerns.RaiseConcernAsync(Requests.HospitalReferral());
        await Requests.WatchUntilDecidedAsync(hub.Concerns, concern.ConcernId, Patience);
        var (messageId, original) = ReadSentConcern(hub);
        var inboxBefore = hub.Count("Inbox");

        await redeliverer.SendAsync(M.Addresses.AgencyQueue("leics-socialcare"), original, messageId);
        await Task.Delay(2000);

        Assert.Equal(1, socialCare.InboxCount(nameof(M.ConcernRaised)));
        Assert.Contains("already handled", socialCare.Output);
        Assert.Equal(inboxBefore, hub.Count("Inbox"));
        Assert.Equal(3, hub.Count("ConcernStatusChanges"));
    }

    [Fact]
    public async Task A_concern_raised_on_the_bus_ends_in_the_same_handler_and_is_acknowledged()
    {
        var hub = await StartHubAsync();
        var socialCare = await StartSocialCareAsync();
        await using var hospital = await TestBus.StartAsync(broker);
        var raise = new M.RaiseConcern("ice-4471", new M.ChildDetails("9434765919", "Amelia", "Testchild", new DateOnly(2024, 3, 14)),
            new M.ActorRef("uhl-health", "Named Nurse for Safeguarding"), "leics-socialcare", M.ConcernCategory.Neglect, M.HarmLevel.Standard,
            "Repeated missed appointments; weight below the 2nd centile.");

        await hospital.SendAsync(M.Addresses.HubInbound, raise, Guid.NewGuid());
        await hospital.SendAsync(M.Addresses.HubInbound, raise, Guid.NewGuid()); // a retry under a new message id
        await WaitUntil(() => hub.Count("Concerns", "Status = 'Decided'") == 1);
        await Task.Delay(1000);

        Assert.Equal(1, hub.Count("Concerns"));
        Assert.Equal(1, socialCare.InboxCount(nameof(M.ConcernRaised)));
        Assert.Equal(2, hub.Count("Outbox", "MessageType LIKE '%ConcernAccepted' AND Destination = 'agency.uhl-health'"));
    }

    [Fact]
    public async Task A_bad_concern_raised_on_the_bus_is_refused_to_the_raiser_and_stores_nothing()
    {
        var hub = await StartHubAsync();
        await using var hospital = await TestBus.StartAsync(broker);
        var raise = new M.RaiseConcern("ice-4472", new M.ChildDetails("9434765918", "Amelia", "Testchild", new DateOnly(2024, 3, 14)),
            new M.ActorRef("uhl-health", "Named Nurse for Safeguarding"), "leics-socialcare", M.ConcernCategory.Neglect, M.HarmLevel.Standard, "x");

        await hospital.SendAsync(M.Addresses.HubInbound, raise, Guid.NewGuid());
        await WaitUntil(() => hub.Count("Outbox", "MessageType LIKE '%ConcernRefused'") == 1);

        Assert.Equal(0, hub.Count("Concerns"));
        Assert.Equal(0, hub.Count("ChildFiles"));
        Assert.Equal(1, hub.Count("Outbox", "Destination = 'agency.uhl-health' AND Body LIKE '%child.nhs_number%modulus 11%'"));
    }

    [Fact]
    public async Task A_missed_deadline_escalates_on_its_own_and_every_partys_adapter_receives_it()
    {
        var hub = await StartHubAsync(TestHub.MovableClock);
        var socialCare = await StartSocialCareAsync();
        await using var police = await TestBus.StartAsync(broker, M.Addresses.AgencyQueue("leics-police"));
        // The police hold the child's file through a concern of their own: only then may they open a disagreement about it.
        var referral = Requests.HospitalReferral();
        referral.RaisedBy.AgencyCode = "leics-police";
        var child = (await hub.Concerns.RaiseConcernAsync(referral)).ChildFileId;
        var d = await hub.Escalations.OpenDisagreementAsync(Disagreements.Open(child, raiser: "leics-police", responder: "leics-socialcare"));

        hub.MoveClockForward(d.CurrentStage.Deadline.DueAt.ToDateTimeOffset() - DateTimeOffset.UtcNow + TimeSpan.FromMinutes(1));
        await WaitUntil(() => police.Notices.Any(n => n.DisagreementId == d.DisagreementId && n.EventType == "escalated"));
        await WaitUntil(() => police.Notices.Any(n => n.DisagreementId == d.DisagreementId && n.EventType == "stage-entered" && n.Stage == 2));
        await WaitUntil(() => socialCare.Output.Contains($"disagreement {d.DisagreementId} #3 escalated"));

        var escalation = police.Notices.Single(n => n.DisagreementId == d.DisagreementId && n.EventType == "escalated");
        Assert.True(escalation.Automatic);
        Assert.Equal(2, escalation.Stage);
        Assert.Contains(police.Notices, n => n.DisagreementId == d.DisagreementId && n.EventType == "stage-entered" && n.Stage == 2 && n.ExpectedRole == "DS");
        Assert.Contains("Escalated automatically from stage 1 to stage 2", socialCare.Output);
        Assert.Equal(0, hub.Count("Outbox", "Destination = 'agency.uhl-health' AND MessageType LIKE '%DisagreementNotice'"));
    }

    [Fact]
    public async Task The_hub_is_not_serving_while_its_broker_is_unreachable()
    {
        var closedPort = Ports.Free(10000, 30000);
        await using var hub = await TestHub.StartAsync($"amqp://guest:guest@127.0.0.1:{closedPort}/", waitUntilServing: false);

        HealthCheckResponse.Types.ServingStatus? status = null;
        await WaitUntil(() =>
        {
            try { status = hub.HealthStatusAsync().GetAwaiter().GetResult(); return true; }
            catch (Grpc.Core.RpcException) { return false; }
        });
        await Task.Delay(1000);

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, await hub.HealthStatusAsync());
    }

    private static (Guid MessageId, M.ConcernRaised Message) ReadSentConcern(TestHub hub)
    {
        using var connection = new SqliteConnection($"Data Source={hub.DatabasePath};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT MessageId, Body FROM Outbox WHERE MessageType LIKE '%ConcernRaised'";
        using var reader = command.ExecuteReader();
        Assert.True(reader.Read());
        var json = new JsonSerializerOptions(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };
        return (reader.GetGuid(0), JsonSerializer.Deserialize<M.ConcernRaised>(reader.GetString(1), json)!);
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
