using System.Net;
using System.Net.Sockets;
using System.Text;
using EscalationHub.Adapters.Health;
using EscalationHub.Adapters.Health.Hl7;
using EscalationHub.Adapters.Health.Mllp;
using EscalationHub.Adapters.Runtime;
using EscalationHub.Adapters.Runtime.AgencySystem;
using EscalationHub.Adapters.Tests.Infrastructure;
using EscalationHub.Contracts.Messages;
using Hl7.Fhir.Serialization;
using Microsoft.Extensions.DependencyInjection;

namespace EscalationHub.Adapters.Tests.Http;

/// <summary>The health adapter as its process hosts it: MLLP on a real TCP port, FHIR on a real HTTP port.</summary>
public sealed class HealthAdapterTests : IAsyncLifetime
{
    private AdapterTestHost host = null!;

    public async Task InitializeAsync() => host = await StartAsync();

    public async Task DisposeAsync() => await host.DisposeAsync();

    private static Task<AdapterTestHost> StartAsync(IDictionary<string, string?>? settings = null, string? directory = null) => AdapterTestHost.StartAsync(
        (builder, section) => builder.AddHealthAdapter(section),
        (routes, settings) => routes.MapHealthAdapter((AdapterSettings)settings),
        new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>()) { ["Adapter:LocalAuthorities:LE"] = "leics-socialcare" },
        directory);

    private async Task<TcpClient> ConnectAsync()
    {
        var port = await host.Services.GetRequiredService<MllpListener>().Port;
        var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        return client;
    }

    private static async Task<Hl7Message> ReadAckAsync(MllpFrameReader reader)
    {
        var frame = await reader.ReadFrameAsync(new CancellationTokenSource(TimeSpan.FromSeconds(15)).Token);
        return Hl7Parser.Parse(Encoding.UTF8.GetString(frame!));
    }

    [Fact]
    public async Task A_referral_over_MLLP_is_sent_to_the_hub_and_answered_AA_with_its_control_id()
    {
        using var client = await ConnectAsync();
        var stream = client.GetStream();

        await stream.WriteAsync(MllpFraming.Frame(Samples.Hl7Bytes("ref-i12-ice-nai.hl7")));
        var ack = await ReadAckAsync(new MllpFrameReader(stream, 100_000));

        Assert.Equal(("AA", "ICE00044719"), (ack.First("MSA")![1].Value(), ack.First("MSA")![2].Value()));
        await AdapterTestHost.WaitUntilAsync(() => !host.Hub.Received.IsEmpty);
        var concern = Assert.Single(host.Hub.Of<RaiseConcern>());
        Assert.Equal("4857773457", concern.Child.NhsNumber);
        Assert.Equal("leics-socialcare", concern.AddressedToAgencyCode);
    }

    [Fact]
    public async Task Several_messages_on_one_connection_are_answered_in_order_and_only_good_ones_reach_the_hub()
    {
        using var client = await ConnectAsync();
        var stream = client.GetStream();
        var all = new[] { "ref-i12-minimal-lf.hl7", "ref-i12-bad-nhs-number.hl7", "ref-i12-crlf-v27.hl7", "adt-a01-wrong-type.hl7", "ref-i12-no-pid.hl7" }
            .SelectMany(s => MllpFraming.Frame(Samples.Hl7Bytes(s))).ToArray();

        await stream.WriteAsync(all); // one write: the listener must split the frames itself
        var reader = new MllpFrameReader(stream, 100_000);
        var acks = new List<(string, string)>();
        for (var i = 0; i < 5; i++)
        {
            var ack = await ReadAckAsync(reader);
            acks.Add((ack.First("MSA")![1].Value(), ack.First("MSA")![2].Value()));
        }

        Assert.Equal([("AA", "ICE00044720"), ("AE", "ICE00044722"), ("AA", "ICE00044721"), ("AR", "PAS0099812"), ("AE", "ICE00044723")], acks);
        await AdapterTestHost.WaitUntilAsync(() => host.Hub.Received.Count >= 2);
        await Task.Delay(300);
        Assert.Equal(["hl7:RWE:ICE00044720", "hl7:RWE:ICE00044721"], host.Hub.Of<RaiseConcern>().Select(c => c.IdempotencyKey));
    }

    [Fact]
    public async Task A_NAK_names_the_segment_and_field_at_fault()
    {
        using var client = await ConnectAsync();
        var stream = client.GetStream();

        await stream.WriteAsync(MllpFraming.Frame(Samples.Hl7Bytes("ref-i12-bad-nhs-number.hl7")));
        var ack = await ReadAckAsync(new MllpFrameReader(stream, 100_000));

        Assert.Equal("2.4", ack.Header[12].Value()); // answered in the version the message declared, with that version's ERR
        var err = ack.First("ERR")!;
        Assert.Equal(("PID", "1", "3", "102"), (err[1].Value(1), err[1].Value(2), err[1].Value(3), err[1].Value(4)));
        Assert.Contains("modulus 11", ack.First("MSA")![3].Value());
        await Task.Delay(300);
        Assert.Empty(host.Hub.Received);
    }

    [Fact]
    public async Task The_same_referral_sent_twice_is_sent_to_the_hub_under_the_same_message_id()
    {
        using var client = await ConnectAsync();
        var stream = client.GetStream();
        var reader = new MllpFrameReader(stream, 100_000);

        await stream.WriteAsync(MllpFraming.Frame(Samples.Hl7Bytes("ref-i12-ice-nai.hl7")));
        await ReadAckAsync(reader);
        await stream.WriteAsync(MllpFraming.Frame(Samples.Hl7Bytes("ref-i12-ice-nai.hl7")));
        await ReadAckAsync(reader);

        await AdapterTestHost.WaitUntilAsync(() => host.Hub.Received.Count >= 2);
        var sent = host.Hub.Received.ToList();
        Assert.Equal(2, sent.Count);
        Assert.Equal(sent[0].MessageId, sent[1].MessageId); // the hub's inbox applies it once
        Assert.Equal(((RaiseConcern)sent[0].Message).IdempotencyKey, ((RaiseConcern)sent[1].Message).IdempotencyKey);
    }

    [Fact]
    public async Task An_oversize_frame_is_answered_AR_and_the_connection_closed_with_nothing_sent()
    {
        await using var small = await StartAsync(new Dictionary<string, string?> { ["Adapter:Mllp:MaxMessageBytes"] = "2048" });
        var port = await small.Services.GetRequiredService<MllpListener>().Port;
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        var stream = client.GetStream();
        var big = Samples.Hl7("ref-i12-ice-nai.hl7") + "NTE|2||" + new string('x', 5000) + "\r";

        await stream.WriteAsync(MllpFraming.Frame(Encoding.UTF8.GetBytes(big)));
        var reader = new MllpFrameReader(stream, 100_000);
        var ack = await ReadAckAsync(reader);

        Assert.Equal(("AR", "ICE00044719"), (ack.First("MSA")![1].Value(), ack.First("MSA")![2].Value()));
        Assert.Null(await reader.ReadFrameAsync(new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token)); // closed
        Assert.Empty(small.Hub.Received);
    }

    [Fact]
    public async Task A_bad_FHIR_Bundle_gets_400_with_an_OperationOutcome_and_nothing_reaches_the_hub()
    {
        using var content = new StringContent(Samples.Fhir("bundle-message-bad-child.json"), Encoding.UTF8, "application/fhir+json");

        var response = await host.Http.PostAsync("/fhir/Bundle", content);
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/fhir+json", response.Content.Headers.ContentType!.MediaType);
        Assert.Contains("\"resourceType\":\"OperationOutcome\"", body);
        Assert.Contains("Bundle.entry[1].resource.identifier[0].value", body);
        await Task.Delay(300);
        Assert.Empty(host.Hub.Received);
    }

    [Theory]
    [InlineData("/fhir/Bundle", "bundle-message-referral.json", "fhir:https://fhir.leicestershospitals.nhs.uk/Id/ice-referral|ICEREF-2026-50113")]
    [InlineData("/fhir/ServiceRequest", "servicerequest-contained-patient.json", "fhir:https://fhir.leicestershospitals.nhs.uk/Id/ice-referral|ICEREF-2026-50112")]
    public async Task A_FHIR_referral_is_sent_to_the_hub_and_answered_202(string path, string sample, string key)
    {
        using var content = new StringContent(Samples.Fhir(sample), Encoding.UTF8, "application/fhir+json");

        var response = await host.Http.PostAsync(path, content);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Contains("OperationOutcome", await response.Content.ReadAsStringAsync());
        await AdapterTestHost.WaitUntilAsync(() => !host.Hub.Received.IsEmpty);
        Assert.Equal(key, Assert.Single(host.Hub.Of<RaiseConcern>()).IdempotencyKey);
    }

    [Fact]
    public async Task The_hubs_feedback_reaches_the_EPR_as_Task_updates_and_a_late_status_does_not_overwrite_a_newer_one()
    {
        var concernId = Guid.NewGuid();
        var by = new ActorRef("leics-socialcare", "Team manager, front door");
        var accepted = new ConcernAccepted("fhir:https://ice.example/Id/ref|R1", concernId, "CN-ABC123", "CF-1", DateTimeOffset.UtcNow);
        var decided = new ConcernStatusChanged(concernId, "CN-ABC123", ConcernStatus.Decided, by, DateTimeOffset.UtcNow, ConcernDecision.StrategyDiscussion, "Strategy discussion today");
        var acknowledged = new ConcernStatusChanged(concernId, "CN-ABC123", ConcernStatus.Acknowledged, by, DateTimeOffset.UtcNow, null, null);

        await host.SendToAgencyAsync("uhl-health", accepted);
        await AdapterTestHost.WaitUntilAsync(async () => (await Log()).Count == 1);
        await host.SendToAgencyAsync("uhl-health", decided);
        await AdapterTestHost.WaitUntilAsync(async () => (await Log()).Count == 2);
        await host.SendToAgencyAsync("uhl-health", acknowledged); // overtaken on the wire by the decision
        await Task.Delay(500);

        var log = await Log();
        Assert.Equal(["task.received", "task.completed"], log.Select(l => l.Kind));
        Assert.Contains("\"status\":\"completed\"", log[1].Body);
        Assert.Contains("strategy-discussion", log[1].Body);
        Assert.Contains("\"value\":\"R1\"", log[1].Body); // basedOn names the referral even though the status change did not
        Task<IReadOnlyList<(string Kind, string Body)>> Log() => host.Services.GetRequiredService<AgencyAdapters>().ForAgency("uhl-health").Simulator.AllAsync();
    }

    [Fact]
    public async Task Task_updates_wait_for_an_EPR_that_is_down_and_arrive_in_order_once_it_is_up()
    {
        await using var epr = await AgencySystemStub.StartAsync(up: false);
        await using var adapter = await StartAsync(new Dictionary<string, string?> { ["Adapter:AgencySystem:Url"] = epr.Url + "/fhir" });
        var concernId = Guid.NewGuid();
        var by = new ActorRef("leics-socialcare", "Duty social worker");

        await adapter.SendToAgencyAsync("uhl-health", new ConcernAccepted("hl7:RWE:ICE1", concernId, "CN-XYZ789", "CF-2", DateTimeOffset.UtcNow));
        await adapter.SendToAgencyAsync("uhl-health", new ConcernStatusChanged(concernId, "CN-XYZ789", ConcernStatus.Acknowledged, by, DateTimeOffset.UtcNow, null, null));
        await AdapterTestHost.WaitUntilAsync(() => epr.Requests.Count >= 3);
        epr.Up = true;
        await AdapterTestHost.WaitUntilAsync(() => epr.Delivered == 2);
        await Task.Delay(600);

        var delivered = epr.Requests.Where(r => r.Status == 200).ToList();
        Assert.Equal(2, delivered.Count);
        Assert.All(delivered, r => Assert.Equal(("PUT", $"/fhir/Task/{concernId}"), (r.Method, r.Path)));
        Assert.Contains("\"status\":\"received\"", delivered[0].Body);
        Assert.Contains("\"status\":\"accepted\"", delivered[1].Body);
        Assert.All(epr.Requests.Where(r => r.Status != 200), r => Assert.Equal(delivered[0].DeliveryId, r.DeliveryId)); // the first waited, retried
    }
    private static global::Hl7.Fhir.Model.Task ReadTask(string json)
    {
        Assert.True(new global::Hl7.Fhir.Serialization.FhirJsonDeserializer(new global::Hl7.Fhir.Serialization.DeserializerSettings())
            .TryDeserializeResource(json, out var resource, out var issues), string.Join("; ", issues.Select(i => i.Message)));
        return Assert.IsType<global::Hl7.Fhir.Model.Task>(resource);
    }

    [Fact]
    public async Task Each_Task_update_to_the_EPR_keeps_authoredOn_and_every_field_it_did_not_change()
    {
        await using var epr = await AgencySystemStub.StartAsync(up: true);
        await using var adapter = await StartAsync(new Dictionary<string, string?> { ["Adapter:AgencySystem:Url"] = epr.Url + "/fhir" });
        var concernId = Guid.NewGuid();
        var raisedAt = new DateTimeOffset(2026, 11, 25, 9, 40, 0, TimeSpan.Zero);
        var by = new ActorRef("leics-socialcare", "Team manager, front door");

        await adapter.SendToAgencyAsync("uhl-health", new ConcernAccepted("fhir:https://ice.example/Id/ref|R7", concernId, "CN-KEEP01", "CF-7", raisedAt));
        await AdapterTestHost.WaitUntilAsync(() => epr.Delivered == 1);
        await adapter.SendToAgencyAsync("uhl-health", new ConcernStatusChanged(concernId, "CN-KEEP01", ConcernStatus.Acknowledged, by, DateTimeOffset.UtcNow, null, null));
        await AdapterTestHost.WaitUntilAsync(() => epr.Delivered == 2);
        await adapter.SendToAgencyAsync("uhl-health", new ConcernStatusChanged(concernId, "CN-KEEP01", ConcernStatus.Decided, by, DateTimeOffset.UtcNow, ConcernDecision.EarlyHelp, null));
        await AdapterTestHost.WaitUntilAsync(() => epr.Delivered == 3);

        var tasks = epr.Requests.Where(r => r.Status == 200).Select(r => ReadTask(r.Body)).ToList();
        Assert.Equal(["received", "accepted", "completed"], tasks.Select(t => t.Status!.Value.ToString().ToLowerInvariant()));
        Assert.All(tasks, t =>
        {
            Assert.Equal(raisedAt, t.AuthoredOnElement!.ToDateTimeOffset(TimeSpan.Zero));
            Assert.Equal("CN-KEEP01", Assert.Single(t.Identifier).Value);
            Assert.Equal("R7", Assert.Single(t.BasedOn).Identifier!.Value);
            Assert.Equal(global::Hl7.Fhir.Model.Task.TaskIntent.Order, t.Intent);
        });
        Assert.All(epr.Requests.Where(r => r.Status == 200), r => Assert.Empty(FhirR4.Errors(r.Body))); // each a valid R4 Task
        Assert.Equal("Received by EscalationHub as CN-KEEP01", tasks[0].BusinessStatus!.Text);
        Assert.Equal("Team manager, front door (leics-socialcare)", tasks[1].Owner!.Display);
        Assert.Equal("Team manager, front door (leics-socialcare)", tasks[2].Owner!.Display);
    }

    [Fact]
    public async Task An_acceptance_overtaken_by_a_newer_status_still_gives_the_EPR_its_authoredOn_without_moving_the_status_back()
    {
        await using var epr = await AgencySystemStub.StartAsync(up: true);
        await using var adapter = await StartAsync(new Dictionary<string, string?> { ["Adapter:AgencySystem:Url"] = epr.Url + "/fhir" });
        var concernId = Guid.NewGuid();
        var raisedAt = new DateTimeOffset(2026, 11, 25, 9, 40, 0, TimeSpan.Zero);
        var by = new ActorRef("leics-socialcare", "Duty social worker");

        await adapter.SendToAgencyAsync("uhl-health", new ConcernStatusChanged(concernId, "CN-LATE01", ConcernStatus.Acknowledged, by, DateTimeOffset.UtcNow, null, null));
        await AdapterTestHost.WaitUntilAsync(() => epr.Delivered == 1);
        await adapter.SendToAgencyAsync("uhl-health", new ConcernAccepted("hl7:RWE:ICE9", concernId, "CN-LATE01", "CF-9", raisedAt)); // overtaken on the wire
        await AdapterTestHost.WaitUntilAsync(() => epr.Delivered == 2);

        var last = ReadTask(epr.Requests.Where(r => r.Status == 200).Last().Body);
        Assert.Equal(global::Hl7.Fhir.Model.Task.TaskStatus.Accepted, last.Status);
        Assert.Equal("Duty social worker (leics-socialcare)", last.Owner!.Display);
        Assert.Equal(raisedAt, last.AuthoredOnElement!.ToDateTimeOffset(TimeSpan.Zero));
        Assert.Equal("RWE:ICE9", Assert.Single(last.BasedOn).Identifier!.Value);
    }
}
