using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EscalationHub.Contracts.V1;
using EscalationHub.IntegrationTests.Infrastructure;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace EscalationHub.IntegrationTests.Operations;

/// <summary>The Operations gRPC service and the dashboard's JSON API on an embedded-default hub, over real HTTP/2
/// and HTTP/1.1.</summary>
public sealed class OperationsApiTests : IAsyncLifetime
{
    private TestHub hub = null!;
    private readonly HttpClient http = new();

    public async Task InitializeAsync()
    {
        hub = await TestHub.StartAsync(brokerUri: null, new Dictionary<string, string> { ["Adapter:HeartbeatInterval"] = "00:00:01" });
        http.BaseAddress = new Uri(hub.DashboardAddress);
        http.DefaultRequestHeaders.Add("x-operator-token", TestHub.OperatorToken);
    }

    public async Task DisposeAsync()
    {
        http.Dispose();
        await hub.DisposeAsync();
    }

    [Fact]
    public async Task The_embedded_default_prints_its_grpc_and_dashboard_addresses()
    {
        Assert.Contains($"EscalationHub gRPC listening on {hub.Address} (HTTP/2)", hub.Output);
        Assert.Contains($"EscalationHub dashboard on {hub.DashboardAddress}/", hub.Output);
        Assert.DoesNotContain($"gRPC listening on {hub.DashboardAddress}", hub.Output);
        using var anonymous = new HttpClient();
        var page = await anonymous.GetStringAsync($"{hub.DashboardAddress}/");
        Assert.Contains("EscalationHub operations", page);
    }

    [Fact]
    public async Task Operator_calls_without_a_certificate_are_unauthenticated_and_with_an_agency_certificate_permission_denied()
    {
        var none = await Assert.ThrowsAsync<RpcException>(() => hub.Anonymous().Operations.ListAdaptersAsync(new ListAdaptersRequest()).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, none.StatusCode);
        // The dashboard's token is no gRPC credential: an agency's certificate with the token is still an agency.
        var agency = await Assert.ThrowsAsync<RpcException>(() => hub.As("leics-socialcare").Operations.ListDeadLettersAsync(new ListDeadLettersRequest(),
            TestHub.Operator).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, agency.StatusCode);
        var stream = hub.Anonymous().Operations.WatchFlow(new WatchFlowRequest());
        var watch = await Assert.ThrowsAsync<RpcException>(() => stream.ResponseStream.MoveNext());
        Assert.Equal(StatusCode.Unauthenticated, watch.StatusCode);

        using var anonymous = new HttpClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync($"{hub.DashboardAddress}/api/flow")).StatusCode);
        var request = new HttpRequestMessage(HttpMethod.Get, $"{hub.DashboardAddress}/api/dead-letters") { Headers = { { "x-operator-token", "nope" } } };
        Assert.Equal(HttpStatusCode.Forbidden, (await anonymous.SendAsync(request)).StatusCode);
    }

    [Fact]
    public async Task Every_message_of_a_concern_becomes_a_flow_event_carrying_only_its_case_reference_and_the_reply_acknowledges_the_concern_message()
    {
        var concern = await hub.Concerns.RaiseConcernAsync(Requests.HospitalReferral());
        await Requests.WatchUntilDecidedAsync(hub.Concerns, concern.ConcernId, TimeSpan.FromSeconds(30));

        var events = await Eventually.GetAsync(async () =>
        {
            var flow = (await hub.Operations.ListFlowAsync(new ListFlowRequest(), TestHub.Operator)).Events
                .Where(e => e.CaseReference == concern.Reference).ToList();
            // The agency's reply can overtake the broker's confirm being recorded: wait for both.
            return flow.Any(e => e.MessageType == "ConcernRaised" && e.Status == FlowStatus.Acknowledged && e.DeliveredAt is not null) && flow.Count >= 3 ? flow : null;
        }, "the concern's three messages in the flow");

        var raised = events.Single(e => e.MessageType == "ConcernRaised");
        Assert.Equal(("hub", "leics-socialcare"), (raised.FromAgency, raised.ToAgency));
        Assert.NotNull(raised.SentAt);
        Assert.NotNull(raised.DeliveredAt);
        Assert.True(raised.AcknowledgedAt.ToDateTimeOffset() >= raised.SentAt.ToDateTimeOffset());
        // The social care system acknowledged and decided at once: one reply, which is also the concern message's receipt.
        var reply = events.Single(e => e.MessageType == "DecideConcern");
        Assert.Equal(("leics-socialcare", "hub", FlowStatus.Applied), (reply.FromAgency, reply.ToAgency, reply.Status));
        Assert.DoesNotContain(events, e => e.MessageType == "AcknowledgeConcern");
        // Feedback to the raiser, which asked over gRPC (its answer was the response: no ConcernAccepted): one notice, sent
        // to uhl-health; the embedded health adapter acknowledges it in its own time, so either status may be seen here.
        var notice = events.Single(e => e.MessageType == "ConcernStatusChanged");
        Assert.Equal("uhl-health", notice.ToAgency);
        Assert.True(notice.Status is FlowStatus.Sent or FlowStatus.Acknowledged);
        Assert.Equal(3, events.Count);
    }

    [Fact]
    public async Task The_flow_can_be_filtered_by_agency_type_and_status()
    {
        var concern = await hub.Concerns.RaiseConcernAsync(Requests.HospitalReferral());
        await Requests.WatchUntilDecidedAsync(hub.Concerns, concern.ConcernId, TimeSpan.FromSeconds(30));
        await Eventually.TrueAsync(async () => (await hub.Operations.ListFlowAsync(new ListFlowRequest
        {
            Filter = new FlowFilter { MessageType = "ConcernRaised", Status = FlowStatus.Acknowledged },
        }, TestHub.Operator)).Events.Any(e => e.CaseReference == concern.Reference), "the acknowledged ConcernRaised");

        var applied = (await hub.Operations.ListFlowAsync(new ListFlowRequest { Filter = new FlowFilter { Status = FlowStatus.Applied } }, TestHub.Operator)).Events;
        Assert.NotEmpty(applied);
        Assert.All(applied, e => Assert.Equal(FlowStatus.Applied, e.Status));

        var toHealth = (await hub.Operations.ListFlowAsync(new ListFlowRequest { Filter = new FlowFilter { Agency = "uhl-health", MessageType = "ConcernStatusChanged" } }, TestHub.Operator)).Events;
        Assert.NotEmpty(toHealth);
        Assert.All(toHealth, e => Assert.Equal(("uhl-health", "ConcernStatusChanged"), (e.ToAgency, e.MessageType)));

        var future = (await hub.Operations.ListFlowAsync(new ListFlowRequest
        {
            Filter = new FlowFilter { Since = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddHours(1)) },
        }, TestHub.Operator)).Events;
        Assert.Empty(future);

        var json = await http.GetFromJsonAsync<JsonElement>("/api/flow?agency=leics-socialcare&type=DecideConcern");
        Assert.True(json.GetArrayLength() > 0);
        Assert.All(json.EnumerateArray(), e => Assert.Equal("DecideConcern", e.GetProperty("messageType").GetString()));
    }

    [Fact]
    public async Task WatchFlow_streams_a_concern_raised_after_the_watch_began()
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var call = hub.Operations.WatchFlow(new WatchFlowRequest { Filter = new FlowFilter { MessageType = "ConcernRaised" } }, TestHub.Operator,
            cancellationToken: cancel.Token);
        var concern = await hub.Concerns.RaiseConcernAsync(Requests.HospitalReferral());

        var statuses = new List<FlowStatus>();
        await foreach (var e in call.ResponseStream.ReadAllAsync(cancel.Token))
        {
            Assert.Equal("ConcernRaised", e.MessageType);
            if (e.CaseReference != concern.Reference) continue;
            statuses.Add(e.Status);
            if (e.Status == FlowStatus.Acknowledged) break;
        }
        Assert.Equal(FlowStatus.Acknowledged, statuses.Last());
    }

    [Fact]
    public async Task Flow_statistics_give_throughput_and_latency_per_agency_and_message_type()
    {
        var concern = await hub.Concerns.RaiseConcernAsync(Requests.HospitalReferral());
        await Requests.WatchUntilDecidedAsync(hub.Concerns, concern.ConcernId, TimeSpan.FromSeconds(30));

        var row = await Eventually.GetAsync(async () =>
            (await hub.Operations.GetFlowStatisticsAsync(new GetFlowStatisticsRequest { Window = Duration.FromTimeSpan(TimeSpan.FromMinutes(10)) }, TestHub.Operator))
            .Rows.FirstOrDefault(r => r.Agency == "leics-socialcare" && r.Direction == "to-agency" && r.MessageType == "ConcernRaised" && r.LatencyP50Ms > 0),
            "a latency for ConcernRaised to leics-socialcare");
        Assert.True(row.Messages >= 1);
        Assert.True(row.PerMinute > 0);
        Assert.True(row.LatencyP95Ms >= row.LatencyP50Ms && row.LatencyP99Ms >= row.LatencyP95Ms);
        var stats = await hub.Operations.GetFlowStatisticsAsync(new GetFlowStatisticsRequest(), TestHub.Operator);
        Assert.Contains(stats.Rows, r => r.Agency == "leics-socialcare" && r.Direction == "to-hub" && r.MessageType == "DecideConcern");
    }

    [Fact]
    public async Task The_in_process_social_care_adapter_reports_its_heartbeat_and_is_not_silent()
    {
        // Until the first heartbeat is committed the hub answers NOT_FOUND for the agency: keep asking.
        var adapter = await Eventually.GetAsync(async () =>
        {
            try { return (await hub.Operations.ListAdaptersAsync(new ListAdaptersRequest { AgencyCode = "leics-socialcare" }, TestHub.Operator)).Adapters.FirstOrDefault(); }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.NotFound) { return null; } // no heartbeat yet
        }, "a heartbeat from leics-socialcare");
        Assert.False(adapter.Silent);
        Assert.Equal(TimeSpan.FromSeconds(1), adapter.Interval.ToTimeSpan());
        Assert.False(string.IsNullOrEmpty(adapter.Version));

        var missing = await Assert.ThrowsAsync<RpcException>(() =>
            hub.Operations.ListAdaptersAsync(new ListAdaptersRequest { AgencyCode = "no-such-agency" }, TestHub.Operator).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task Bad_operator_requests_are_refused_naming_the_field_and_change_nothing()
    {
        var badId = await Assert.ThrowsAsync<RpcException>(() =>
            hub.Operations.RedriveAsync(new RedriveRequest { Ids = { "not-a-guid" } }, TestHub.Operator).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, badId.StatusCode);
        Assert.Contains("ids[0]", badId.Status.Detail);

        var nothing = await Assert.ThrowsAsync<RpcException>(() => hub.Operations.RedriveAsync(new RedriveRequest(), TestHub.Operator).ResponseAsync);
        Assert.Contains("ids", nothing.Status.Detail);

        var unknown = await Assert.ThrowsAsync<RpcException>(() =>
            hub.Operations.RedriveAsync(new RedriveRequest { Ids = { Guid.NewGuid().ToString() } }, TestHub.Operator).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);

        var window = await Assert.ThrowsAsync<RpcException>(() => hub.Operations.GetFlowStatisticsAsync(
            new GetFlowStatisticsRequest { Window = Duration.FromTimeSpan(TimeSpan.FromDays(40)) }, TestHub.Operator).ResponseAsync);
        Assert.Contains("window", window.Status.Detail);

        using var watch = hub.Operations.WatchFlow(new WatchFlowRequest { Backlog = 501 }, TestHub.Operator);
        var backlog = await Assert.ThrowsAsync<RpcException>(() => watch.ResponseStream.MoveNext());
        Assert.Contains("backlog", backlog.Status.Detail);

        var status = await http.GetAsync("/api/flow?status=bogus");
        Assert.Equal(HttpStatusCode.BadRequest, status.StatusCode);
        Assert.Contains("\"status\"", await status.Content.ReadAsStringAsync());
        var period = await http.GetAsync("/api/report?from=2026-13-01");
        Assert.Equal(HttpStatusCode.BadRequest, period.StatusCode);
        Assert.Contains("\"from\"", await period.Content.ReadAsStringAsync());
        var redrive = await http.PostAsJsonAsync("/api/dead-letters/redrive", new { ids = Array.Empty<Guid>(), all = false });
        Assert.Equal(HttpStatusCode.BadRequest, redrive.StatusCode);
        Assert.Equal(0, hub.Count("Redrives"));
    }

    [Fact]
    public async Task A_trace_follows_a_concern_from_the_raising_call_through_the_hub_to_the_social_care_adapter_and_back()
    {
        var traceId = ActivityTraceId.CreateRandom();
        var traceparent = $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01";
        var concern = await hub.Concerns.RaiseConcernAsync(Requests.HospitalReferral(), new Metadata { { "traceparent", traceparent } });
        await Requests.WatchUntilDecidedAsync(hub.Concerns, concern.ConcernId, TimeSpan.FromSeconds(30));

        await Eventually.TrueAsync(() => Task.FromResult(hub.Output.Split('\n').Any(l =>
            l.Contains("queued for the agency system") && l.Contains(concern.Reference) && l.Contains(traceId.ToString()))),
            "the social care adapter's log line carrying the raising call's trace id");
        // ... and back: the hub applies the adapter's decision inside the same trace.
        Assert.Contains(hub.Output.Split('\n'), l => l.Contains(traceId.ToString()) && l.Contains("Applied DecideConcern"));
    }

    [Fact]
    public async Task The_partnership_report_counts_concerns_by_agency_pair_and_area_as_json_and_csv()
    {
        var concern = await hub.Concerns.RaiseConcernAsync(Requests.HospitalReferral());
        await Requests.WatchUntilDecidedAsync(hub.Concerns, concern.ConcernId, TimeSpan.FromSeconds(30));

        var report = await http.GetFromJsonAsync<JsonElement>("/api/report");
        Assert.True(report.GetProperty("cases").GetInt32() >= 1);
        var groups = report.GetProperty("groups").EnumerateArray().ToList();
        var pair = groups.Single(g => g.GetProperty("dimension").GetString() == "agency pair" && g.GetProperty("value").GetString() == "uhl-health → leics-socialcare");
        Assert.True(pair.GetProperty("resolved").GetInt32() >= 1);
        Assert.True(pair.GetProperty("feedbackGiven").GetInt32() >= 1);
        Assert.Contains(groups, g => g.GetProperty("dimension").GetString() == "area" && g.GetProperty("value").GetString() == "PhysicalAbuse");

        var csv = await http.GetAsync("/api/report.csv");
        Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
        var lines = (await csv.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("period_from,period_to,dimension,value,cases,resolved,median_hours_to_resolve,deadlines_missed,feedback_given", lines[0]);
        Assert.Contains(lines, l => l.Contains(",agency pair,uhl-health → leics-socialcare,"));
    }

    [Fact]
    public async Task An_open_disagreement_is_listed_with_its_current_stage_deadline_waiting_on_the_other_party()
    {
        var child = await Disagreements.ChildFileAsync(hub);
        var opened = await hub.Escalations.OpenDisagreementAsync(Disagreements.Open(child));

        var dueSoon = (await hub.Operations.ListOverdueStagesAsync(new ListOverdueStagesRequest { DueWithin = Duration.FromTimeSpan(TimeSpan.FromDays(31)) },
            TestHub.Operator)).Stages.Single(s => s.CaseReference == opened.DisagreementId);
        Assert.Equal(("disagreement-stage", "Stage 1", "leics-socialcare", "uhl-health", false),
            (dueSoon.Kind, dueSoon.Stage, dueSoon.WaitingOnAgency, dueSoon.OtherAgency, dueSoon.Overdue));
        Assert.DoesNotContain((await hub.Operations.ListOverdueStagesAsync(new ListOverdueStagesRequest(), TestHub.Operator)).Stages,
            s => s.CaseReference == opened.DisagreementId);
    }

    [Fact]
    public async Task The_partnership_report_counts_disagreements_by_profile_and_stage_reached()
    {
        var child = await Disagreements.ChildFileAsync(hub);
        await hub.Escalations.OpenDisagreementAsync(Disagreements.Open(child));

        var report = await http.GetFromJsonAsync<JsonElement>("/api/report");
        var groups = report.GetProperty("groups").EnumerateArray().ToList();
        string[] Values(string dimension) => groups.Where(g => g.GetProperty("dimension").GetString() == dimension).Select(g => g.GetProperty("value").GetString()!).ToArray();
        Assert.Contains("disagreement", Values("kind"));
        Assert.Contains("north-wales-2014", Values("profile"));
        Assert.Contains("Stage 1 (Open)", Values("stage reached"));
        Assert.Contains("ReferralBelowThreshold", Values("area"));
        Assert.Contains(",profile,north-wales-2014,1,0,", await http.GetStringAsync("/api/report.csv"));
    }

    [Fact]
    public async Task Prometheus_metrics_are_served_on_the_dashboard_port()
    {
        var concern = await hub.Concerns.RaiseConcernAsync(Requests.HospitalReferral());
        await Requests.WatchUntilDecidedAsync(hub.Concerns, concern.ConcernId, TimeSpan.FromSeconds(30));
        await Eventually.TrueAsync(async () => (await http.GetStringAsync("/metrics")).Contains("escalationhub_messages_sent"),
            "the hub's messages-sent counter on /metrics");
    }
}
