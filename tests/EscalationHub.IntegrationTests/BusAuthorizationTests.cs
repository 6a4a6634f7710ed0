using EscalationHub.Contracts.V1;
using EscalationHub.IntegrationTests.Infrastructure;
using RabbitMQ.Client;
using M = EscalationHub.Contracts.Messages;

namespace EscalationHub.IntegrationTests;

/// <summary>Authorization of bus commands on the real broker with the shipped definitions: a command acts only for
/// the agency whose inbound exchange it came through, and only on a case that agency is party to.</summary>
[Collection(BrokerCollection.Name)]
public sealed class BusAuthorizationTests(RabbitMqNode broker) : IAsyncLifetime
{
    private readonly List<IAsyncDisposable> running = [];
    private string virtualHost = "";
    private TestHub hub = null!;

    public async Task InitializeAsync()
    {
        virtualHost = await broker.ApplyDefinitionsAsync();
        running.Add(hub = await TestHub.StartAsync(broker.AmqpUriFor("hub", DevBrokerUsers.PasswordOf("hub"), virtualHost),
            new Dictionary<string, string> { ["Messaging:QuorumQueues"] = "true" }));
    }

    public async Task DisposeAsync()
    {
        foreach (var item in Enumerable.Reverse(running)) await item.DisposeAsync();
    }

    private async Task<TestBus> AgencyBusAsync(string agency)
    {
        var bus = await TestBus.StartAsync(broker, virtualHost: virtualHost, user: agency);
        running.Add(bus);
        return bus;
    }

    private async Task<uint> MessageCountAsync(string queue)
    {
        var factory = new ConnectionFactory { Uri = new Uri(broker.AmqpUriFor("hub", DevBrokerUsers.PasswordOf("hub"), virtualHost)) };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        return (await channel.QueueDeclarePassiveAsync(queue)).MessageCount;
    }

    private async Task<DeadLetter> DeadLetterAsync(Guid messageId) => await Eventually.GetAsync(async () =>
        (await hub.Operations.ListDeadLettersAsync(new ListDeadLettersRequest(), TestHub.Operator)).DeadLetters
            .FirstOrDefault(d => d.MessageId == messageId.ToString()), $"dead letter {messageId}", TimeSpan.FromSeconds(60));

    [Fact]
    public async Task The_police_credentials_publishing_a_command_that_claims_to_be_social_care_are_refused_and_nothing_is_stored()
    {
        // No social care adapter runs: the concern waits at RECEIVED unless someone acknowledges it.
        var concern = await hub.Concerns.RaiseConcernAsync(Requests.HospitalReferral());
        await Eventually.TrueAsync(() => Task.FromResult(hub.Count("Outbox", "SentAt IS NULL") == 0), "the ConcernRaised sent");
        var before = hub.CountAll();
        var police = await AgencyBusAsync("leics-police");
        var forged = new M.AcknowledgeConcern(Guid.Parse(concern.ConcernId), new M.ActorRef("leics-socialcare", "Team manager"), DateTimeOffset.UtcNow);
        var forgedId = Guid.NewGuid();

        await police.SendAsync(M.Addresses.HubInboundFrom("leics-police"), forged, forgedId); // the only exchange police may write to
        var letter = await DeadLetterAsync(forgedId);

        Assert.Equal(("AcknowledgeConcern", "hub.inbound_error", "RefusedMessageException"), (letter.MessageType, letter.ErrorQueue, letter.ExceptionType));
        Assert.Contains("acts for 'leics-socialcare' but was sent through hub.inbound.leics-police", letter.Reason);
        Assert.Equal(1u, await MessageCountAsync("hub.inbound_error"));
        Assert.Equal(before, hub.CountAll()); // no inbox row, no status change, nothing sent
        Assert.Equal(0, hub.Count("Inbox", "MessageId = $id", ("$id", forgedId.ToString())));
        var stored = await hub.Concerns.GetConcernAsync(new GetConcernRequest { ConcernId = concern.ConcernId, AgencyCode = "uhl-health" });
        Assert.Equal(ConcernStatus.Received, stored.Status);

        // Never redriven: no fix makes a message acting for another agency right.
        var redrive = await hub.Operations.RedriveAsync(new RedriveRequest { Ids = { letter.Id } }, TestHub.Operator);
        Assert.False(redrive.Results.Single().Sent);
        Assert.Equal(ConcernStatus.Received,
            (await hub.Concerns.GetConcernAsync(new GetConcernRequest { ConcernId = concern.ConcernId, AgencyCode = "uhl-health" })).Status);
    }

    [Fact]
    public async Task The_same_command_from_social_care_through_its_own_exchange_is_applied_and_police_acting_as_itself_is_refused_as_no_party()
    {
        var concern = await hub.Concerns.RaiseConcernAsync(Requests.HospitalReferral());
        var police = await AgencyBusAsync("leics-police");
        var socialCare = await AgencyBusAsync("leics-socialcare");
        var asPolice = new M.AcknowledgeConcern(Guid.Parse(concern.ConcernId), new M.ActorRef("leics-police", "DS"), DateTimeOffset.UtcNow);
        var asPoliceId = Guid.NewGuid();

        await police.SendAsync(M.Addresses.HubInboundFrom("leics-police"), asPolice, asPoliceId);
        var letter = await DeadLetterAsync(asPoliceId);
        await socialCare.SendAsync(M.Addresses.HubInboundFrom("leics-socialcare"),
            new M.AcknowledgeConcern(Guid.Parse(concern.ConcernId), new M.ActorRef("leics-socialcare", "Team manager"), DateTimeOffset.UtcNow), Guid.NewGuid());
        var acknowledged = await Eventually.GetAsync(async () =>
        {
            var c = await hub.Concerns.GetConcernAsync(new GetConcernRequest { ConcernId = concern.ConcernId, AgencyCode = "uhl-health" });
            return c.Status == ConcernStatus.Acknowledged ? c : null;
        }, "the acknowledgement from social care applied", TimeSpan.FromSeconds(60));

        Assert.Contains("is not the agency concern", letter.Reason); // the sender is right, but it is no party
        Assert.Equal(ConcernStatus.Acknowledged, acknowledged.Status);
    }
    [Fact]
    public async Task A_decision_that_carries_an_acknowledgement_by_another_agency_is_refused_and_nothing_is_stored()
    {
        var concern = await hub.Concerns.RaiseConcernAsync(Requests.HospitalReferral());
        await Eventually.TrueAsync(() => Task.FromResult(hub.Count("Outbox", "SentAt IS NULL") == 0), "the ConcernRaised sent");
        var before = hub.CountAll();
        var socialCare = await AgencyBusAsync("leics-socialcare");
        var decision = new M.DecideConcern(Guid.Parse(concern.ConcernId), new M.ActorRef("leics-socialcare", "Team manager"),
            M.ConcernDecision.EarlyHelp, "Early help hub", DateTimeOffset.UtcNow)
        {
            AcknowledgedBy = new M.ActorRef("leics-police", "DS"), AcknowledgedAt = DateTimeOffset.UtcNow.AddMinutes(-1),
        };
        var decisionId = Guid.NewGuid();

        await socialCare.SendAsync(M.Addresses.HubInboundFrom("leics-socialcare"), decision, decisionId);
        var letter = await DeadLetterAsync(decisionId);

        Assert.Equal(("DecideConcern", "RefusedMessageException"), (letter.MessageType, letter.ExceptionType));
        Assert.Contains("acknowledged_by.agency_code", letter.Reason);
        Assert.Equal(before, hub.CountAll());
        Assert.Equal(ConcernStatus.Received,
            (await hub.Concerns.GetConcernAsync(new GetConcernRequest { ConcernId = concern.ConcernId, AgencyCode = "uhl-health" })).Status);
    }
}
