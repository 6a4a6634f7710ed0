using System.Diagnostics;
using System.Globalization;
using EscalationHub.Contracts.V1;
using EscalationHub.IntegrationTests.Infrastructure;
using EscalationHub.Security;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Health.V1;
using static EscalationHub.IntegrationTests.Infrastructure.Disagreements;

namespace EscalationHub.IntegrationTests.Security;

/// <summary>A hub with the default stream caps, whose watches' fallback poll (for changes made by another replica) is
/// set far beyond the tests' length, so any store read by a watch in a test was caused by a change notification.</summary>
public sealed class StreamLimitsHub : IAsyncLifetime
{
    public TestHub Hub { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Hub = await TestHub.StartAsync(brokerUri: null, new Dictionary<string, string> { ["Watches:FallbackPoll"] = "00:30:00" });

    public async Task DisposeAsync() => await Hub.DisposeAsync();
}

/// <summary>Open streams are capped: at most Limits:StreamsPerCaller (16) per certificate identity, RESOURCE_EXHAUSTED
/// beyond it and freed when a stream ends, and Limits:AnonymousStreams (32) anonymous health watches in all. An idle
/// watch costs no store reads: it is woken by the commit of a change to its own case.</summary>
public sealed class StreamLimitsTests(StreamLimitsHub fixture) : IClassFixture<StreamLimitsHub>
{
    private readonly TestHub hub = fixture.Hub;
    private static DateTime Later => DateTime.UtcNow.AddMinutes(3);

    [Fact]
    public async Task The_17th_stream_of_one_agency_is_refused_naming_the_cap_while_another_agency_still_watches_and_closing_one_frees_a_slot()
    {
        var id = (await hub.Escalations.OpenDisagreementAsync(Open(await ChildFileAsync(hub), responder: "leics-police"))).DisagreementId;
        var request = new WatchDisagreementRequest { DisagreementId = id, AgencyCode = "leics-police" };
        var open = new List<AsyncServerStreamingCall<DisagreementEvent>>();
        try
        {
            var police = hub.Callers.As("leics-police", defaultDeadline: false);
            for (var i = 0; i < 16; i++)
            {
                var call = police.Escalations.WatchDisagreement(request, deadline: Later);
                open.Add(call);
                Assert.True(await call.ResponseStream.MoveNext(), $"police watch {i + 1} was not admitted");
            }

            // A second certificate of the same agency is the same identity: it shares the cap.
            var now = DateTimeOffset.UtcNow;
            using var ca = hub.Callers.PartnershipCaWithKey();
            using var second = PartnershipCertificates.IssueClient(ca, CallerIdentity.Agency("leics-police"), now.AddDays(-1), now.AddDays(30));
            using var seventeenth = hub.Callers.WithCertificate(second, defaultDeadline: false).Escalations.WatchDisagreement(request, deadline: Later);
            var refused = await Assert.ThrowsAsync<RpcException>(() => seventeenth.ResponseStream.MoveNext());
            Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
            Assert.Contains("16", refused.Status.Detail);
            Assert.Contains("Limits:StreamsPerCaller", refused.Status.Detail);

            // Another agency is not held back by the police's streams.
            using var hospital = hub.Callers.As("uhl-health", defaultDeadline: false).Escalations.WatchDisagreement(
                new WatchDisagreementRequest { DisagreementId = id, AgencyCode = "uhl-health" }, deadline: Later);
            Assert.True(await hospital.ResponseStream.MoveNext());

            // Closing one police watch frees its slot.
            open[0].Dispose();
            open.RemoveAt(0);
            await Eventually.TrueAsync(async () =>
            {
                var again = police.Escalations.WatchDisagreement(request, deadline: Later);
                try
                {
                    var admitted = await again.ResponseStream.MoveNext();
                    open.Add(again);
                    return admitted;
                }
                catch (RpcException ex) when (ex.StatusCode == StatusCode.ResourceExhausted)
                {
                    again.Dispose();
                    return false;
                }
            }, "a police watch admitted after one was closed", TimeSpan.FromSeconds(15));
        }
        finally
        {
            foreach (var call in open) call.Dispose();
        }
    }

    [Fact]
    public async Task Anonymous_health_watches_are_capped_for_the_whole_hub_while_health_checks_still_answer()
    {
        var anonymous = hub.Callers.Anonymous(defaultDeadline: false);
        var open = new List<AsyncServerStreamingCall<HealthCheckResponse>>();
        try
        {
            for (var i = 0; i < 32; i++)
            {
                var call = anonymous.Health.Watch(new HealthCheckRequest(), deadline: Later);
                open.Add(call);
                Assert.True(await call.ResponseStream.MoveNext(), $"anonymous health watch {i + 1} was not admitted");
            }

            using var over = anonymous.Health.Watch(new HealthCheckRequest(), deadline: Later);
            var refused = await Assert.ThrowsAsync<RpcException>(() => over.ResponseStream.MoveNext());
            Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
            Assert.Contains("32", refused.Status.Detail);
            Assert.Contains("Limits:AnonymousStreams", refused.Status.Detail);

            Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, await hub.HealthStatusAsync());
            using var agency = hub.Callers.As("uhl-health", defaultDeadline: false).Health.Watch(new HealthCheckRequest(), deadline: Later);
            Assert.True(await agency.ResponseStream.MoveNext());
        }
        finally
        {
            foreach (var call in open) call.Dispose();
        }
    }

    [Fact]
    public async Task An_idle_watch_reads_nothing_from_the_store_and_a_committed_change_reaches_it_at_once()
    {
        var id = (await hub.Escalations.OpenDisagreementAsync(Open(await ChildFileAsync(hub)))).DisagreementId;
        using var watch = hub.Callers.As("uhl-health", defaultDeadline: false).Escalations.WatchDisagreement(
            new WatchDisagreementRequest { DisagreementId = id, AgencyCode = "uhl-health" }, deadline: Later);
        for (var i = 0; i < 2; i++) Assert.True(await watch.ResponseStream.MoveNext()); // opened, stage-entered

        using var http = new HttpClient { BaseAddress = new Uri(hub.DashboardAddress) };
        var before = await Eventually.GetAsync(async () => await WatchStoreReadsAsync(http) is { } reads ? (object)reads : null,
            "the watches' store-read counter on /metrics", TimeSpan.FromSeconds(15));
        await Task.Delay(TimeSpan.FromSeconds(3)); // idle: the old watches polled the store every second
        var idle = await WatchStoreReadsAsync(http);
        Assert.Equal((double)before, idle);

        await hub.Escalations.RecordDiscussionAsync(new RecordDiscussionRequest
        {
            DisagreementId = id, By = As("uhl-health"), HeldAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
            Summary = "Professionals discussed the referral by telephone.", Attendees = { "Named nurse", "Social worker" },
        });
        var committed = Stopwatch.StartNew();
        Assert.True(await watch.ResponseStream.MoveNext());
        var latency = committed.Elapsed;
        Assert.Equal("record-added", watch.ResponseStream.Current.Type);
        Assert.True(latency < TimeSpan.FromMilliseconds(500), $"the change reached the watch {latency.TotalMilliseconds:F0} ms after it was committed");

        // One read for the one change.
        var after = await Eventually.GetAsync(async () => await WatchStoreReadsAsync(http) is { } reads && reads > idle ? (object)reads : null,
            "the watch's read after the change");
        Assert.InRange((double)after - idle!.Value, 1, 2);
    }

    /// <summary>The sum of the hub's escalationhub.watch.store_reads counter over its labels, or null when it is not
    /// on /metrics.</summary>
    private static async Task<double?> WatchStoreReadsAsync(HttpClient http)
    {
        var metrics = await http.GetStringAsync("/metrics");
        var values = metrics.Split('\n').Where(l => l.StartsWith("escalationhub_watch_store_reads", StringComparison.Ordinal))
            .Select(l => l[(l.Contains('}') ? l.LastIndexOf('}') + 1 : l.IndexOf(' '))..].Trim().Split(' ')[0]) // value, then maybe a timestamp
            .Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToList();
        return values.Count == 0 ? null : values.Sum();
    }
}
