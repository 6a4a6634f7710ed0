using System.Net;
using System.Text;
using EscalationHub.Contracts.V1;
using EscalationHub.IntegrationTests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace EscalationHub.IntegrationTests;

/// <summary>The hub and all four agency adapters as their own processes on a private RabbitMQ node, each adapter with
/// the simulator of its agency system.</summary>
[Collection(BrokerCollection.Name)]
public sealed class AgencyAdapterFlowTests(RabbitMqNode broker) : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);
    private readonly List<IAsyncDisposable> running = [];

    private const string Maisie = "4857773457";   // the hospital's referral over MLLP (ref-i12-ice-nai.hl7)
    private const string Amelia = "9434765919";   // social care's concern to the police, raised over gRPC
    private const string Oliver = "4010232137";   // the school's concern to social care, raised over HTTP

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var item in Enumerable.Reverse(running)) await item.DisposeAsync();
    }

    private async Task<T> Run<T>(Task<T> starting) where T : IAsyncDisposable
    {
        var started = await starting;
        running.Add(started);
        return started;
    }

    [Fact]
    public async Task A_hospital_referral_over_MLLP_is_acknowledged_and_decided_by_social_care_and_each_agency_system_sees_only_its_own_children()
    {
        var amqp = await broker.NewVirtualHostAsync();
        var hub = await Run(TestHub.StartAsync(amqp));
        var health = await Run(TestAdapter.StartAsync(TestAdapter.Kind.Health, amqp, "uhl-health"));
        var socialCare = await Run(TestAdapter.StartAsync(TestAdapter.Kind.SocialCare, amqp, "leics-socialcare"));
        var police = await Run(TestAdapter.StartAsync(TestAdapter.Kind.Police, amqp, "leics-police"));
        var school = await Run(TestAdapter.StartAsync(TestAdapter.Kind.Education, amqp, "oakfield-school"));

        // Other children's concerns in flight at the same time.
        var toPolice = Requests.HospitalReferral("csc-77120", addressedTo: "leics-police");
        toPolice.RaisedBy = new Actor { AgencyCode = "leics-socialcare", Role = "Social worker, MASH" };
        var policeConcern = await hub.Concerns.RaiseConcernAsync(toPolice);
        using var http = school.AgencySystem();
        var schoolResponse = await http.PostAsync("/concerns", new StringContent($$"""
            {"referralId":"DSL-2026-0042","child":{"nhsNumber":"{{Oliver}}","givenName":"Oliver","familyName":"Testchild","dateOfBirth":"2016-05-02"},
             "raisedBy":{"role":"Designated Safeguarding Lead"},"category":"neglect","harmLevel":"standard",
             "details":"Arrives hungry most days; younger sibling collected late repeatedly."}
            """, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Accepted, schoolResponse.StatusCode);

        // The hospital's referral.
        using var mllp = await MllpClient.ConnectAsync(health.MllpPort);
        var ack = await mllp.SendAsync(MllpClient.Sample("ref-i12-ice-nai.hl7"));
        Assert.Equal(("AA", "ICE00044719"), MllpClient.Msa(ack));

        await WaitUntil(() => ConcernId(hub, "hl7:RWE:ICE00044719") is not null);
        var referralId = ConcernId(hub, "hl7:RWE:ICE00044719")!;
        var changes = await Requests.WatchUntilDecidedAsync(hub.Concerns, referralId, Patience);
        Assert.Equal([ConcernStatus.Received, ConcernStatus.Acknowledged, ConcernStatus.Decided], changes.Select(c => c.Status));
        Assert.All(changes.Skip(1), c => Assert.Equal("leics-socialcare", c.By.AgencyCode));
        Assert.Equal(ConcernDecision.StrategyDiscussion, changes.Last().Decision);
        var referral = await hub.Concerns.GetConcernAsync(new GetConcernRequest { ConcernId = referralId, AgencyCode = "uhl-health" });
        Assert.Equal(Maisie, referral.Child.NhsNumber);
        Assert.Equal(HarmLevel.SignificantHarm, referral.HarmLevel);
        Assert.NotNull(referral.DecisionDueAt);
        Assert.True(referral.DecisionDueAt.ToDateTimeOffset() > referral.RaisedAt.ToDateTimeOffset());

        await WaitUntil(() => ConcernId(hub, "DSL-2026-0042") is not null && hub.Count("Concerns", "Status = 'Decided'") == 3,
            () => $"concerns decided: {hub.Count("Concerns", "Status = 'Decided'")} of {hub.Count("Concerns")}\nhub:\n{hub.Output}\npolice:\n{police.Output}\nschool:\n{school.Output}");
        var schoolConcernId = ConcernId(hub, "DSL-2026-0042")!;
        await WaitUntil(() => health.SimulatorReceived().LastOrDefault().Kind == "task.completed"
                              && socialCare.SimulatorReceived().Count == 3 && police.SimulatorReceived().Count == 1 && school.SimulatorReceived().Count == 2,
            () => $"epr {string.Join(",", health.SimulatorReceived().Select(s => s.Kind))}; social care {socialCare.SimulatorReceived().Count}; " +
                  $"police {police.SimulatorReceived().Count}; school {school.SimulatorReceived().Count}");
        await Task.Delay(1500); // anything wrongly sent would arrive now

        // Social care: the two concerns addressed to it, and the hub's feedback on the one it raised over gRPC (one notice:
        // the police system acknowledged and decided at once).
        var seenBySocialCare = socialCare.SimulatorReceived();
        Assert.Equal(new[] { "concern.raised:" + referralId, "concern.raised:" + schoolConcernId }.Order(),
            seenBySocialCare.Where(s => s.Kind == "concern.raised").Select(s => $"{s.Kind}:{ConcernIdIn(s.Body)}").Order());
        Assert.Equal(1, seenBySocialCare.Count(s => s.Kind != "concern.raised" && s.Body.Contains(policeConcern.ConcernId)));
        Assert.DoesNotContain(seenBySocialCare, s => s.Body.Contains(Amelia));

        // Police: only the concern addressed to it.
        var seenByPolice = Assert.Single(police.SimulatorReceived());
        Assert.Equal(("concern.raised", policeConcern.ConcernId), (seenByPolice.Kind, ConcernIdIn(seenByPolice.Body)));
        Assert.DoesNotContain(Maisie, seenByPolice.Body);
        Assert.DoesNotContain(Oliver, seenByPolice.Body);

        // The school: the hub's answer and progress on the concern it raised (one notice for social care's one reply), nothing else.
        var seenBySchool = school.SimulatorReceived();
        Assert.Equal(["concern.accepted", "concern.status-changed"], seenBySchool.Select(s => s.Kind).Order());
        Assert.All(seenBySchool, s => Assert.Equal(schoolConcernId, ConcernIdIn(s.Body)));
        Assert.All(seenBySchool, s => Assert.DoesNotContain(Maisie, s.Body));

        // The hospital EPR: Task updates for its referral only, ending completed.
        var seenByEpr = health.SimulatorReceived();
        Assert.All(seenByEpr, s => Assert.Contains($"\"id\":\"{referralId}\"", s.Body));
        Assert.Equal("task.completed", seenByEpr.Last().Kind);
        Assert.Contains("ICE00044719", seenByEpr.Last().Body); // basedOn: the referral's control id
        Assert.All(seenByEpr, s => Assert.DoesNotContain(Amelia, s.Body));
    }

    [Fact]
    public async Task A_referral_sent_twice_over_MLLP_is_one_concern_and_a_bad_one_is_NAKed_with_nothing_stored()
    {
        var amqp = await broker.NewVirtualHostAsync();
        var hub = await Run(TestHub.StartAsync(amqp));
        var health = await Run(TestAdapter.StartAsync(TestAdapter.Kind.Health, amqp, "uhl-health"));
        using var mllp = await MllpClient.ConnectAsync(health.MllpPort);

        var bad = await mllp.SendAsync(MllpClient.Sample("ref-i12-bad-nhs-number.hl7"));
        var first = await mllp.SendAsync(MllpClient.Sample("ref-i12-minimal-lf.hl7"));
        var again = await mllp.SendAsync(MllpClient.Sample("ref-i12-minimal-lf.hl7"));
        await WaitUntil(() => hub.Count("Concerns") == 1);
        await Task.Delay(1500);

        Assert.Equal(("AE", "ICE00044722"), MllpClient.Msa(bad));
        Assert.Contains("\rERR|PID^1^3^102&Data type error&HL70357", bad); // the sample is v2.4: its ERR has ERR-1 (ELD) only
        Assert.Equal(("AA", "ICE00044720"), MllpClient.Msa(first));
        Assert.Equal(("AA", "ICE00044720"), MllpClient.Msa(again));
        Assert.Equal(1, hub.Count("Concerns"));
        Assert.Equal(0, hub.Count("ChildFiles", "NhsNumber = '4857773458'"));
        Assert.Equal(1, hub.Count("Inbox", "MessageType LIKE '%RaiseConcern'"));
    }

    [Fact]
    public async Task While_the_broker_is_unreachable_a_referral_is_answered_AR_and_not_AA()
    {
        var closedPort = Ports.Free(10000, 30000);
        var health = await Run(TestAdapter.StartAsync(TestAdapter.Kind.Health, $"amqp://guest:guest@127.0.0.1:{closedPort}/", "uhl-health",
            new Dictionary<string, string> { ["Adapter:HubSendTimeout"] = "00:00:03" }, waitUntilHealthy: false));
        MllpClient? mllp = null;
        await WaitUntil(() =>
        {
            try { mllp = MllpClient.ConnectAsync(health.MllpPort).GetAwaiter().GetResult(); return true; }
            catch (System.Net.Sockets.SocketException) { return false; }
        });
        using var connection = mllp!;

        var ack = await connection.SendAsync(MllpClient.Sample("ref-i12-minimal-lf.hl7"));

        Assert.Equal(("AR", "ICE00044720"), MllpClient.Msa(ack));
        Assert.Contains("207^Application internal error", ack);
    }

    private static string? ConcernId(TestHub hub, string key)
    {
        using var connection = new SqliteConnection($"Data Source={hub.DatabasePath};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT Id FROM Concerns WHERE IdempotencyKey = $key";
        command.Parameters.AddWithValue("$key", key);
        return command.ExecuteScalar() is string id ? Guid.Parse(id).ToString() : null;
    }

    private static string ConcernIdIn(string body)
    {
        var marker = "\"concernId\":\"";
        var start = body.IndexOf(marker, StringComparison.Ordinal) + marker.Length;
        return body[start..body.IndexOf('"', start)];
    }

    private static async Task WaitUntil(Func<bool> condition, Func<string>? describe = null)
    {
        var until = DateTime.UtcNow + Patience;
        while (!condition())
        {
            if (DateTime.UtcNow > until) throw new TimeoutException("condition not met in time: " + describe?.Invoke());
            await Task.Delay(200);
        }
    }
}
