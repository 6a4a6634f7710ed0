using System.Collections.Concurrent;
using EscalationHub.Contracts.V1;
using EscalationHub.IntegrationTests.Infrastructure;
using EscalationHub.Testing;
using Grpc.Core;
using Xunit.Abstractions;
using L = EscalationHub.Ledger;
using M = EscalationHub.Contracts.Messages;

namespace EscalationHub.IntegrationTests;

/// <summary>Two hub processes share one PostgreSQL database and one broker; one is killed with SIGKILL in the middle
/// of the load. Reconciled afterwards: every concern a client was told was accepted is stored once and applied once
/// by the social care adapter, each ledger entry is in the log once, in one gapless order that verifies against the
/// hubs' signed tree heads, and each passed deadline was fired once although both hubs' schedulers saw it.</summary>
[Collection(BrokerCollection.Name)]
public sealed class HubReplicaTests(RabbitMqNode broker, ITestOutputHelper output) : IAsyncLifetime
{
    private PostgresServer postgres = null!;

    public async Task InitializeAsync() => postgres = await PostgresServer.StartAsync();

    public async Task DisposeAsync() => await postgres.DisposeAsync();

    [Fact]
    public async Task Two_hubs_on_one_database_lose_nothing_and_do_nothing_twice_when_one_is_killed_mid_load()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var first = await TestHub.StartOnPostgresAsync(broker.AmqpUri, database, extra: TestHub.MovableClock);
        // Replicas sign tree heads with one key: the second gets a copy of the first's before it starts.
        var secondDirectory = Path.Combine(Path.GetTempPath(), $"eh-hub-{Guid.NewGuid():N}");
        EscalationHub.Security.DataAtRest.CreatePrivateDirectory(secondDirectory); // 0700: a hub refuses a data folder open to others
        foreach (var file in new[] { "hub-signing-key.pem", "hub-public-key.pem" })
            File.Copy(Path.Combine(first.Directory, file), Path.Combine(secondDirectory, file));
        await using var second = await TestHub.StartOnPostgresAsync(broker.AmqpUri, database, secondDirectory, TestHub.MovableClock);
        await using var socialCare = await TestAdapter.StartSocialCareAsync(broker.AmqpUri);

        // Disagreements opened on both hubs, whose stage 1 deadline both hubs' schedulers will see pass.
        var child = await Disagreements.ChildFileAsync(first);
        var disagreements = new List<string>();
        foreach (var hub in new[] { first, second, first, second, first, second })
            disagreements.Add((await hub.Escalations.OpenDisagreementAsync(Disagreements.Open(child))).DisagreementId);

        var load = new LoadGenerator([first, second]);
        load.Start(workers: 4);
        // Phases end on progress, not on time: a loaded machine gets through less per second.
        await Phase("steady load on both hubs", () => load.Accepted >= 15);

        // Both clocks past every stage 1 deadline (and not past stage 2's, which starts from the escalation).
        first.MoveClockForward(TimeSpan.FromDays(20));
        second.MoveClockForward(TimeSpan.FromDays(20));
        var beforeKill = load.Accepted;
        await Phase("deadlines passed on both hubs, load goes on", () => load.Accepted >= beforeKill + 10);

        load.Lose(first);
        first.Kill();
        var afterKill = load.Accepted;
        await Phase("first hub killed with SIGKILL; clients go on with the second", () => load.Accepted >= afterKill + 15);
        var accepted = await load.StopAsync();
        output.WriteLine($"load stopped: {accepted.Count} concerns accepted, {load.Retries} calls retried");

        try
        {
            await ReconcileAsync(second, socialCare, accepted, disagreements);
        }
        catch
        {
            output.WriteLine("--- first hub (last lines)\n" + string.Join("\n", first.Output.Split('\n').TakeLast(40)));
            output.WriteLine("--- second hub (last lines)\n" + string.Join("\n", second.Output.Split('\n').TakeLast(40)));
            throw;
        }
    }

    private async Task ReconcileAsync(TestHub second, TestAdapter socialCare, IReadOnlyDictionary<string, string> accepted, List<string> disagreements)
    {
        var db = second.PostgresConnectionString!;
        await Settle("every accepted concern decided by social care and every message sent", () =>
            second.Count("Concerns", "\"Status\" = 'Decided' AND \"AddressedToAgency\" = 'leics-socialcare'") >= accepted.Count
            && second.Count("Outbox", "\"SentAt\" IS NULL") == 0);
        await Settle("every disagreement escalated", () =>
            second.Count("Disagreements", "\"CurrentStage\" = 2") == disagreements.Count);

        // Every accepted concern: stored once, received/acknowledged/decided once each, applied once by the adapter.
        var problems = new List<string>();
        foreach (var key in accepted.Keys)
        {
            var rows = second.Count("Concerns", "\"IdempotencyKey\" = @k", ("@k", key));
            if (rows != 1) problems.Add($"{key}: {rows} concern rows");
            var changes = second.Count("ConcernStatusChanges", "\"ConcernId\" IN (SELECT \"Id\" FROM \"Concerns\" WHERE \"IdempotencyKey\" = @k)", ("@k", key));
            if (changes != 3) problems.Add($"{key}: {changes} status changes");
            var entries = second.Count("LedgerEntries",
                "\"EntryType\" = 'concern.raised' AND \"CaseId\" IN (SELECT \"Id\"::text FROM \"Concerns\" WHERE \"IdempotencyKey\" = @k)", ("@k", key));
            if (entries != 1) problems.Add($"{key}: {entries} concern.raised ledger entries");
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems.Take(20)));
        Assert.Equal(second.Count("Concerns", "\"AddressedToAgency\" = 'leics-socialcare'"), socialCare.InboxCount(nameof(M.ConcernRaised)));

        // Each deadline fired once: one escalation event, one ledger entry per child file, one notice per party.
        foreach (var id in disagreements)
        {
            Assert.Equal(1, second.Count("DisagreementEvents", "\"DisagreementId\" = @id AND \"Type\" = 'escalated'", ("@id", id)));
            Assert.Equal(1, second.Count("LedgerEntries", "\"CaseId\" = @id AND \"EntryType\" = 'disagreement.escalated'", ("@id", id)));
        }

        // The shared log: gapless, in order, and verifying against every tree head either hub signed.
        var entriesInOrder = PostgresQueries.Rows(db, "SELECT \"Sequence\", \"EntryBytes\" FROM \"LedgerEntries\" ORDER BY \"Sequence\"");
        Assert.Equal(Enumerable.Range(0, entriesInOrder.Count).Select(i => (long)i), entriesInOrder.Select(r => (long)r[0]!));
        var heads = PostgresQueries.Rows(db, "SELECT \"TreeSize\", \"RootHash\", \"TimestampTicks\", \"Signature\" FROM \"LedgerTreeHeads\" ORDER BY \"TreeSize\"")
            .Select(r => new L.SignedTreeHead((long)r[0]!, L.MerkleHash.FromBytes((byte[])r[1]!),
                new DateTimeOffset(DateTimeOffset.UnixEpoch.UtcTicks + (long)r[2]!, TimeSpan.Zero), (byte[])r[3]!)).ToList();
        using var hubKey = L.LedgerKeys.ImportPublicKeyPem(File.ReadAllText(Path.Combine(second.Directory, "hub-public-key.pem")));
        var verified = L.LedgerVerifier.Verify(entriesInOrder.Select(r => L.LedgerRow.ForEntry((long)r[0]!, (byte[])r[1]!)), heads[^1], hubKey,
            new L.LedgerVerificationOptions { Checkpoints = heads });
        output.WriteLine($"ledger: {entriesInOrder.Count} entries, {heads.Count} signed heads, {verified}");
        Assert.True(verified.IsValid, verified.ToString());
    }

    private async Task Phase(string name, Func<bool> until)
    {
        output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {name}");
        await Settle(name, until);
    }

    /// <summary>Waits for as long as things keep moving (a loaded 2-core machine drains a backlog slowly).</summary>
    private async Task Settle(string what, Func<bool> done)
    {
        var until = DateTime.UtcNow.AddSeconds(120);
        while (!done())
        {
            if (DateTime.UtcNow > until) throw new TimeoutException($"not settled within 120 s: {what}");
            await Task.Delay(250);
        }
        output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} settled: {what}");
    }

    /// <summary>Raises concerns from several clients spread over the hubs; a call that fails is retried with the same
    /// idempotency key on another hub until one answers, as a client behind a load balancer would.</summary>
    private sealed class LoadGenerator(IReadOnlyList<TestHub> hubs)
    {
        private readonly ConcurrentDictionary<string, string> accepted = new();
        private readonly ConcurrentDictionary<TestHub, bool> lost = new();
        private readonly CancellationTokenSource stop = new();
        private readonly List<Task> workers = [];
        private int retries;
        private int next;

        public int Retries => retries;

        public int Accepted => accepted.Count;

        /// <summary>Clients stop picking this hub (its address leaves the load balancer), though calls in flight to it may still fail.</summary>
        public void Lose(TestHub hub) => lost[hub] = true;

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

        private TestHub Pick()
        {
            var alive = hubs.Where(h => !lost.ContainsKey(h)).ToList();
            return alive[(int)((uint)Interlocked.Increment(ref next) % alive.Count)];
        }

        private async Task RunAsync(CancellationToken stopping)
        {
            while (!stopping.IsCancellationRequested)
            {
                var request = Requests.HospitalReferral();
                request.Child.NhsNumber = "";
                request.Child.GivenName = "Load" + Random.Shared.Next(1_000_000);
                var giveUp = DateTime.UtcNow.AddSeconds(60);
                while (true)
                {
                    try
                    {
                        var concern = await Pick().Concerns.RaiseConcernAsync(request, deadline: DateTime.UtcNow.AddSeconds(5));
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
