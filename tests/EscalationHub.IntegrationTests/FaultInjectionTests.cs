using System.Collections.Concurrent;
using EscalationHub.Contracts.V1;
using EscalationHub.IntegrationTests.Infrastructure;
using Grpc.Core;
using RabbitMQ.Client;
using Xunit.Abstractions;
using M = EscalationHub.Contracts.Messages;

namespace EscalationHub.IntegrationTests;

/// <summary>Nothing accepted is lost or applied twice, whatever fails: while a load generator raises concerns, the hub
/// is killed with SIGKILL, the broker is stopped, the social care adapter is stopped, messages are delivered twice
/// and out of order, and a poison message is injected. A reconciliation then compares what clients were told was
/// accepted with the hub's store and the adapter's inbox.</summary>
[Collection(BrokerCollection.Name)]
public sealed class FaultInjectionTests(RabbitMqNode broker, ITestOutputHelper output)
{
    [Fact]
    public async Task Nothing_accepted_is_lost_or_applied_twice_through_a_hub_crash_a_broker_restart_and_an_adapter_outage()
    {
        await using var hub = await TestHub.StartAsync(broker.AmqpUri);
        await using var socialCare = await TestAdapter.StartSocialCareAsync(broker.AmqpUri);
        await using var police = await TestBus.StartAsync(broker);
        var load = new LoadGenerator(hub);
        load.Start(workers: 3);

        await Phase("steady load", TimeSpan.FromSeconds(3));

        hub.Kill();
        await Phase("hub killed with SIGKILL", TimeSpan.FromSeconds(1));
        await hub.StartProcessAsync();
        await Phase("hub restarted", TimeSpan.FromSeconds(2));

        await broker.StopAsync();
        await Phase("broker stopped (the hub still accepts: concerns wait in its outbox)", TimeSpan.FromSeconds(3));
        await broker.StartAgainAsync();
        await Phase("broker restarted", TimeSpan.FromSeconds(3));

        await socialCare.StopAsync();
        await Phase("social care adapter stopped (concerns wait in its durable queue)", TimeSpan.FromSeconds(3));
        await socialCare.StartAgainAsync();
        await Phase("social care adapter restarted", TimeSpan.FromSeconds(2));

        // Delivered twice and out of order: a decision that overtakes its acknowledgement, each sent twice.
        var outOfOrder = await hub.Concerns.RaiseConcernAsync(Requests.HospitalReferral(addressedTo: "leics-police"));
        var concernId = Guid.Parse(outOfOrder.ConcernId);
        var decide = new M.DecideConcern(concernId, new M.ActorRef("leics-police", "DS, CAIT"), M.ConcernDecision.StrategyDiscussion, "Joint visit today", DateTimeOffset.UtcNow);
        var acknowledge = new M.AcknowledgeConcern(concernId, new M.ActorRef("leics-police", "DC"), DateTimeOffset.UtcNow.AddMinutes(-1));
        var (decideId, acknowledgeId) = (Guid.NewGuid(), Guid.NewGuid());
        await police.SendAsync(M.Addresses.HubInbound, decide, decideId);
        await police.SendAsync(M.Addresses.HubInbound, acknowledge, acknowledgeId);
        await police.SendAsync(M.Addresses.HubInbound, decide, decideId);
        await police.SendAsync(M.Addresses.HubInbound, acknowledge, acknowledgeId);

        // Poison: a decision from an agency the concern is not addressed to can never be applied.
        await police.SendAsync(M.Addresses.HubInbound, decide with { DecidedBy = new M.ActorRef("oakfield-school", "DSL") }, Guid.NewGuid());

        await Phase("duplicates, out-of-order and poison messages injected", TimeSpan.FromSeconds(1));
        var accepted = await load.StopAsync();
        output.WriteLine($"load stopped: {accepted.Count} concerns accepted, {load.Retries} retried calls");

        // Let everything settle: every accepted concern decided by social care, for as long as it keeps moving
        // (a loaded 2-core machine drains a backlog slowly; a stuck one stops moving).
        var (decided, lastProgress) = (0L, DateTime.UtcNow);
        while (decided < accepted.Count && DateTime.UtcNow - lastProgress < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(250);
            var now = hub.Count("Concerns", "Status = 'Decided' AND AddressedToAgency = 'leics-socialcare'");
            if (now > decided) (decided, lastProgress) = (now, DateTime.UtcNow);
        }

        var report = Reconcile(hub, socialCare, accepted);
        output.WriteLine(report.ToString());
        Console.WriteLine(report);
        if (report.Lost > 0 || report.Duplicated > 0)
        {
            output.WriteLine("--- hub (last lines)\n" + string.Join("\n", hub.Output.Split('\n').TakeLast(40)));
            output.WriteLine("--- social care adapter (last lines)\n" + string.Join("\n", socialCare.Output.Split('\n').TakeLast(40)));
        }

        Assert.True(accepted.Count > 20, $"the load generator got too little through ({accepted.Count})");
        Assert.Equal(0, report.Lost);
        Assert.Equal(0, report.Duplicated);
        Assert.Equal(report.Accepted, report.AppliedOnce);

        var changes = hub.Count("ConcernStatusChanges", "ConcernId = $id", ("$id", concernId.ToString().ToUpperInvariant()))
                      + hub.Count("ConcernStatusChanges", "ConcernId = $id", ("$id", concernId.ToString()));
        Assert.Equal(3, changes); // received, acknowledged (by the decision that overtook it), decided: once each
        Assert.True(await ErrorQueueDepthAsync("hub.inbound_error") >= 1, "the poison message is not in the hub's error queue");
    }

    private async Task Phase(string name, TimeSpan length)
    {
        output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {name}");
        await Task.Delay(length);
    }

    private async Task<uint> ErrorQueueDepthAsync(string queue)
    {
        var factory = new ConnectionFactory { Uri = new Uri(broker.AmqpUri) };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        var until = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            try
            {
                var depth = (await channel.QueueDeclarePassiveAsync(queue)).MessageCount;
                if (depth > 0 || DateTime.UtcNow > until) return depth;
            }
            catch (RabbitMQ.Client.Exceptions.OperationInterruptedException) when (DateTime.UtcNow < until)
            {
                await using var again = await connection.CreateChannelAsync();
            }
            await Task.Delay(250);
        }
    }

    private static Reconciliation Reconcile(TestHub hub, TestAdapter socialCare, IReadOnlyDictionary<string, string> accepted)
    {
        long stored = 0, delivered = 0, appliedOnce = 0, lost = 0, duplicated = 0;
        foreach (var (key, _) in accepted)
        {
            var rows = hub.Count("Concerns", "IdempotencyKey = $k", ("$k", key));
            if (rows == 0) { lost++; continue; }
            stored++;
            if (rows > 1) duplicated += rows - 1;
            if (hub.Count("Concerns", "IdempotencyKey = $k AND Status = 'Decided'", ("$k", key)) == 1) delivered++;
            else lost++;
            var changes = hub.Count("ConcernStatusChanges",
                "ConcernId = (SELECT Id FROM Concerns WHERE IdempotencyKey = $k)", ("$k", key));
            if (changes == 3) appliedOnce++;
            else if (changes > 3) duplicated += changes - 3;
        }
        // The adapter applied each concern sent to it exactly once (its inbox holds one row per concern message).
        var toSocialCare = hub.Count("Concerns", "AddressedToAgency = 'leics-socialcare'");
        var appliedByAdapter = socialCare.InboxCount(nameof(M.ConcernRaised));
        if (appliedByAdapter > toSocialCare) duplicated += appliedByAdapter - toSocialCare;
        if (appliedByAdapter < toSocialCare) lost += toSocialCare - appliedByAdapter;
        return new Reconciliation(accepted.Count, stored, delivered, appliedOnce, lost, duplicated);
    }

    private sealed record Reconciliation(long Accepted, long Stored, long Delivered, long AppliedOnce, long Lost, long Duplicated)
    {
        public override string ToString() =>
            $"reconciliation: accepted {Accepted}, stored {Stored}, delivered {Delivered}, applied once {AppliedOnce}, lost {Lost}, duplicated {Duplicated}";
    }

    /// <summary>Raises concerns from several clients; a call that fails is retried with the same idempotency key until
    /// the hub answers, as a careful client does. Records what the hub said it accepted.</summary>
    private sealed class LoadGenerator(TestHub hub)
    {
        private readonly ConcurrentDictionary<string, string> accepted = new();
        private readonly CancellationTokenSource stop = new();
        private readonly List<Task> workers = [];
        private int retries;

        public int Retries => retries;

        public void Start(int workers)
        {
            for (var i = 0; i < workers; i++) this.workers.Add(Task.Run(() => RunAsync(stop.Token)));
        }

        public async Task<IReadOnlyDictionary<string, string>> StopAsync()
        {
            stop.Cancel();
            await Task.WhenAll(workers);
            return accepted;
        }

        private async Task RunAsync(CancellationToken stopping)
        {
            while (!stopping.IsCancellationRequested)
            {
                var request = Requests.HospitalReferral();
                request.Child.NhsNumber = "";
                request.Child.GivenName = "Load" + Random.Shared.Next(1_000_000);
                // Once sent, a request is retried until answered even after the stop: its outcome must be known.
                var giveUp = DateTime.UtcNow.AddSeconds(60);
                while (true)
                {
                    try
                    {
                        var concern = await hub.Concerns.RaiseConcernAsync(request, deadline: DateTime.UtcNow.AddSeconds(5));
                        accepted[request.IdempotencyKey] = concern.ConcernId;
                        break;
                    }
                    catch (RpcException ex) when (ex.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Internal or StatusCode.Unknown
                                                  && DateTime.UtcNow < giveUp)
                    {
                        Interlocked.Increment(ref retries);
                        await Task.Delay(200);
                    }
                }
                try { await Task.Delay(30, stopping); } catch (OperationCanceledException) { }
            }
        }
    }
}
