using EscalationHub.Contracts.V1;
using EscalationHub.IntegrationTests.Infrastructure;
using Xunit.Abstractions;
using M = EscalationHub.Contracts.Messages;

namespace EscalationHub.IntegrationTests;

/// <summary>Nothing accepted is lost or applied twice, whatever fails. While a load generator raises concerns and walks
/// disagreements from open to resolved (gRPC with idempotency keys or request ids for opening and escalating, bus
/// commands for the records and the resolution, as adapters send them), each fault is injected in turn: (a) the hub killed with SIGKILL and restarted, (b) the RabbitMQ node stopped
/// and restarted, (c) the social care adapter stopped for a while, (d) messages delivered twice and out of order,
/// (e) a poison message. After each, the load pauses and a <see cref="Reconciliation"/> compares what the clients were
/// told was accepted with the hub's store, the ledger, the outbox, and each adapter's inbox and verified replica of the
/// child files; the ledger is verified end to end by hubctl. One line per fault; lost and duplicated must be 0.</summary>
[Collection(BrokerCollection.Name)]
public sealed class FaultInjectionTests(RabbitMqNode broker, ITestOutputHelper output)
{
    private static readonly Dictionary<string, string> Replica = new() { ["Hub:LedgerSyncSeconds"] = "2" };

    [Fact]
    public async Task Nothing_accepted_is_lost_or_applied_twice_through_a_hub_crash_a_broker_restart_an_adapter_outage_duplicates_and_poison()
    {
        var brokerUri = await broker.NewVirtualHostAsync(); // queues of earlier tests do not count here
        await using var hub = await TestHub.StartAsync(brokerUri, new Dictionary<string, string>
        {
            ["Operations:RabbitMqManagement"] = broker.ManagementUri,
            ["Operations:DeadLetterScanInterval"] = "00:00:01",
        });
        await using var socialCare = await TestAdapter.StartSocialCareAsync(brokerUri, hubAddress: hub.Address, extra: Replica);
        await using var hospital = await TestAdapter.StartRuntimeOnlyAsync(brokerUri, "uhl-health", hub.Address, Replica);
        await using var bus = await TestBus.StartAsync(broker, virtualHost: new Uri(brokerUri).AbsolutePath.Trim('/'));
        var workload = new Workload(hub, bus);
        var results = new List<Reconciliation>();
        Log("reconciliations are cumulative: each counts everything accepted since the start");

        async Task Fault(string name, Func<Task> inject)
        {
            workload.Start(concernWorkers: 1, disagreementWorkers: 2, pause: TimeSpan.FromMilliseconds(100));
            await Task.Delay(TimeSpan.FromSeconds(2));
            Log($"inject {name}");
            await inject();
            await Task.Delay(TimeSpan.FromSeconds(1));
            Log("injected; load pausing");
            await workload.PauseAsync();
            Log("load paused; settling");
            var result = await Reconciliation.SettleAsync(name, workload, hub, socialCare, hospital);
            var verify = await Hubctl.RunAsync("ledger", "verify", "--store", hub.DatabasePath);
            var line = $"{result}; ledger: {verify.Output.Split('\n').Last(l => l.Length > 0).Trim()}";
            Log(line);
            Console.WriteLine(line);
            foreach (var problem in result.Problems) Log("  " + problem);
            Assert.True(verify.ExitCode == 0, $"the ledger does not verify after {name}:\n{verify.Output}");
            results.Add(result);
        }

        await Fault("(a) hub killed with SIGKILL, restarted", async () =>
        {
            hub.Kill();
            await Task.Delay(TimeSpan.FromSeconds(1));
            await hub.StartProcessAsync();
        });
        await Fault("(b) RabbitMQ node stopped, restarted", async () =>
        {
            await broker.StopAsync();
            await Task.Delay(TimeSpan.FromSeconds(3)); // the hub still accepts: concerns and notices wait in its outbox
            await broker.StartAgainAsync();
        });
        await Fault("(c) social care adapter stopped 4 s", async () =>
        {
            await socialCare.StopAsync();
            await Task.Delay(TimeSpan.FromSeconds(4)); // referrals and notices wait in its durable queue
            await socialCare.StartAgainAsync();
        });
        var outOfOrder = new OutOfOrder(hub, workload);
        await Fault("(d) delivered twice and out of order", outOfOrder.InjectAsync);
        var poison = new Poison(hub, bus);
        await Fault("(e) poison message injected", poison.InjectAsync);

        Log($"load: {workload.Concerns.Count} concerns, {workload.Disagreements.Count} disagreements " +
            $"({workload.Disagreements.Count(d => d.Finished)} walked to resolved), {workload.Retries} retried calls or sends");
        if (results.Any(r => r.Lost > 0 || r.Duplicated > 0))
        {
            Log("--- hub (last lines)\n" + string.Join("\n", hub.Output.Split('\n').TakeLast(40)));
            Log("--- social care adapter (last lines)\n" + string.Join("\n", socialCare.Output.Split('\n').TakeLast(40)));
            Log("--- hospital adapter (last lines)\n" + string.Join("\n", hospital.Output.Split('\n').TakeLast(40)));
        }

        Assert.Empty(workload.InDoubt);
        Assert.True(workload.Concerns.Count > 50, $"the load generator got too little through ({workload.Concerns.Count} concerns)");
        Assert.True(workload.Disagreements.Count(d => d.Finished) >= 5, "too few disagreements were walked to resolved");
        Assert.All(results, r => Assert.Equal((0L, 0L), (r.Lost, r.Duplicated)));
        Assert.All(results, r => Assert.Equal(r.Accepted, r.AppliedOnce));
        Assert.Empty(socialCare.ReplicaAlarms());
        Assert.Empty(hospital.ReplicaAlarms());
        await outOfOrder.AssertEndedRightAsync(hospital);
        await poison.AssertVisibleToOperatorsAsync();
    }

    private void Log(string line) => output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {line}");

    private static M.ActorRef HospitalNurse => new("uhl-health", "Named nurse for safeguarding");

    /// <summary>(d) Each message twice, and in an order its sender did not mean: a concern's decision before its
    /// acknowledgement; a disagreement's resolution before the record its stage needs (refused, and the sender told
    /// why); an escalation before the record meant for stage 1 (applied in the order received). Nothing applies twice.</summary>
    private sealed class OutOfOrder(TestHub hub, Workload workload)
    {
        private Guid concernId;
        private string refusedResolve = "", escalatedFirst = "";

        public async Task InjectAsync()
        {
            // A concern to the police (no police adapter runs: the test plays its case system).
            var concern = await hub.Concerns.RaiseConcernAsync(Requests.HospitalReferral(addressedTo: "leics-police"));
            concernId = Guid.Parse(concern.ConcernId);
            var decide = new M.DecideConcern(concernId, new M.ActorRef("leics-police", "DS, CAIT"), M.ConcernDecision.StrategyDiscussion, "Joint visit today", DateTimeOffset.UtcNow);
            var acknowledge = new M.AcknowledgeConcern(concernId, new M.ActorRef("leics-police", "DC"), DateTimeOffset.UtcNow.AddMinutes(-1));
            var (decideId, acknowledgeId) = (Guid.NewGuid(), Guid.NewGuid());
            await Send(decide, decideId);
            await Send(acknowledge, acknowledgeId);
            await Send(decide, decideId);
            await Send(acknowledge, acknowledgeId);

            // Resolve before the record stage 1 needs: refused, and the hospital told why; then the record; then both again.
            var child = await workload.RaiseConcernAsync() ?? throw new InvalidOperationException("no concern for the out-of-order disagreements");
            var first = await hub.Escalations.OpenDisagreementAsync(Infrastructure.Disagreements.Open(child.ChildFileId, profile: Workload.Profile));
            refusedResolve = first.DisagreementId;
            var resolve = new M.ResolveDisagreement(refusedResolve, HospitalNurse, "Agreed.", [new M.AgreedActionItem("leics-socialcare", "Visit", DateTimeOffset.UtcNow.AddDays(1))]);
            var record = new M.RecordDiscussion(refusedResolve, HospitalNurse, first.OpenedAt.ToDateTimeOffset(), "Discussed.", ["Named nurse"], false);
            var (resolveId, recordId) = (Guid.NewGuid(), Guid.NewGuid());
            await Send(resolve, resolveId);
            await AppliedAsync(resolveId);
            await Send(record, recordId);
            await AppliedAsync(recordId);
            await Send(resolve, resolveId);
            await Send(record, recordId);

            // An escalation that overtakes the first rung's record: applied as received, the record lands on the next rung; both twice.
            var second = await hub.Escalations.OpenDisagreementAsync(Infrastructure.Disagreements.Open(child.ChildFileId, profile: Workload.Profile));
            escalatedFirst = second.DisagreementId;
            var escalate = new M.EscalateDisagreement(escalatedFirst, HospitalNurse, "No agreement");
            var late = new M.RecordDiscussion(escalatedFirst, HospitalNurse, second.OpenedAt.ToDateTimeOffset(), "Discussed at stage 1.", ["Named nurse"], true);
            var (escalateId, lateId) = (Guid.NewGuid(), Guid.NewGuid());
            await Send(escalate, escalateId);
            await AppliedAsync(escalateId);
            await Send(late, lateId);
            await Send(escalate, escalateId);
            await Send(late, lateId);
            await AppliedAsync(lateId);
        }

        public async Task AssertEndedRightAsync(TestAdapter hospital)
        {
            // The concern: received, acknowledged (by the decision that overtook it), decided; once each, on the ledger too.
            Assert.Equal(3, hub.Count("ConcernStatusChanges", "upper(ConcernId) = upper($id)", ("$id", concernId.ToString())));
            Assert.Equal(3, hub.Count("LedgerEntries", "CaseId = $id", ("$id", concernId.ToString())));
            Assert.Equal(1, hub.Count("Concerns", "upper(Id) = upper($id) AND Status = 'Decided'", ("$id", concernId.ToString())));

            // The early resolution changed nothing; the record applied once; the hospital was told why it was refused.
            Assert.Equal(["opened", "stage-entered", "record-added"], Events(refusedResolve));
            Assert.Equal(1, hub.Count("Disagreements", "Id = $id AND Status = 'Open'", ("$id", refusedResolve)));
            Assert.Equal(3, hub.Count("LedgerEntries", "CaseId = $id", ("$id", refusedResolve)));
            await Eventually.TrueAsync(() => Task.FromResult(hospital.InboxCount(nameof(M.DisagreementCommandRefused)) == 1),
                "the hospital's adapter to receive the refusal");
            Assert.Matches($@"ResolveDisagreement \S* ?on disagreement {refusedResolve} refused by the hub: stage 1 \([^)]+\) cannot be resolved until a record", hospital.Output);

            Assert.Equal(["opened", "stage-entered", "escalated", "stage-entered", "record-added"], Events(escalatedFirst));
            Assert.Equal(5, hub.Count("LedgerEntries", "CaseId = $id", ("$id", escalatedFirst)));
        }

        private List<string> Events(string disagreementId)
        {
            using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={hub.DatabasePath};Mode=ReadOnly;Pooling=False");
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT Type FROM DisagreementEvents WHERE DisagreementId = $id ORDER BY Sequence";
            command.Parameters.AddWithValue("$id", disagreementId);
            using var reader = command.ExecuteReader();
            var types = new List<string>();
            while (reader.Read()) types.Add(reader.GetString(0));
            return types;
        }

        private async Task Send(object message, Guid messageId)
        {
            if (!await workload.SendUntilConfirmedAsync($"{message.GetType().Name} {messageId}", message, messageId))
                throw new InvalidOperationException($"the broker did not confirm {message.GetType().Name}");
        }

        /// <summary>Waits until the hub has recorded the message in its inbox (applied, or refused and its sender told).</summary>
        private Task AppliedAsync(Guid messageId) => Eventually.TrueAsync(
            () => Task.FromResult(hub.Count("Inbox", "upper(MessageId) = upper($id)", ("$id", messageId.ToString())) == 1),
            $"the hub to apply {messageId}", TimeSpan.FromSeconds(60));
    }

    /// <summary>(e) A decision on the police concern from a school it is not addressed to: it can never be applied, so it
    /// goes straight to the hub's error queue, where operators see it with its reason.</summary>
    private sealed class Poison(TestHub hub, TestBus bus)
    {
        private Guid messageId;

        public async Task InjectAsync()
        {
            var target = await hub.Concerns.RaiseConcernAsync(Requests.HospitalReferral(addressedTo: "leics-police"));
            messageId = Guid.NewGuid();
            await bus.SendAsync(M.Addresses.HubInbound, new M.DecideConcern(Guid.Parse(target.ConcernId), new M.ActorRef("oakfield-school", "DSL"),
                M.ConcernDecision.NoFurtherAction, "Not ours to decide", DateTimeOffset.UtcNow), messageId);
        }

        public async Task AssertVisibleToOperatorsAsync()
        {
            var letter = await Eventually.GetAsync(async () =>
                    (await hub.Operations.ListDeadLettersAsync(new ListDeadLettersRequest(), TestHub.Operator)).DeadLetters
                    .FirstOrDefault(l => Guid.TryParse(l.MessageId, out var id) && id == messageId),
                "the poison message listed by Operations.ListDeadLetters", TimeSpan.FromSeconds(30));
            Assert.Equal("hub.inbound_error", letter.ErrorQueue);
            Assert.Equal("DecideConcern", letter.MessageType);
            Assert.Contains("not the agency", letter.Reason);
            Assert.Equal(0, hub.Count("Inbox", "upper(MessageId) = upper($id)", ("$id", messageId.ToString())));
        }
    }
}
