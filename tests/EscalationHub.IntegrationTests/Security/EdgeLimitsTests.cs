using EscalationHub.Contracts.V1;
using EscalationHub.IntegrationTests.Infrastructure;
using Google.Rpc;
using Grpc.Core;

namespace EscalationHub.IntegrationTests.Security;

/// <summary>The edge's limits besides validation and the message size (RaiseConcernValidationTests): a deadline on
/// every unary call, and a request rate per agency. Each refusal is clear and stores nothing.</summary>
public sealed class EdgeLimitsTests : IAsyncLifetime
{
    private TestHub hub = null!;

    // One request every 20 s after a burst of 5: the limit is reached at once and does not refill during the test.
    public async Task InitializeAsync() => hub = await TestHub.StartAsync(brokerUri: null, new Dictionary<string, string>
    {
        ["Limits:RequestsPerSecond"] = "0.05",
        ["Limits:Burst"] = "5",
    });

    public async Task DisposeAsync() => await hub.DisposeAsync();

    [Fact]
    public async Task A_unary_call_without_a_deadline_is_refused_and_stores_nothing_while_a_watch_needs_none()
    {
        var before = await hub.SettledCountsAsync();
        var noDeadline = hub.Callers.As("uhl-health", defaultDeadline: false);

        var error = await Assert.ThrowsAsync<RpcException>(() => noDeadline.Concerns.RaiseConcernAsync(Requests.HospitalReferral()).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("deadline is required", error.Status.Detail);
        Assert.Equal(before, hub.CountAll());

        var concern = await hub.As("uhl-health").Concerns.RaiseConcernAsync(Requests.HospitalReferral());
        using var watch = noDeadline.Concerns.WatchConcern(new WatchConcernRequest { ConcernId = concern.ConcernId });
        Assert.True(await watch.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(ConcernStatus.Received, watch.ResponseStream.Current.Status);
    }

    [Fact]
    public async Task An_agency_over_its_rate_is_refused_with_resource_exhausted_and_a_retry_delay_stores_nothing_and_slows_no_other_agency()
    {
        var police = hub.As("leics-police");
        RpcException? limited = null;
        for (var i = 0; i < 20 && limited is null; i++)
        {
            try { await police.Escalations.ListDisagreementsAsync(new ListDisagreementsRequest()); }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.ResourceExhausted) { limited = ex; }
        }
        Assert.NotNull(limited);
        var before = await hub.SettledCountsAsync();

        var referral = Requests.HospitalReferral();
        referral.RaisedBy.AgencyCode = "leics-police";
        var error = await Assert.ThrowsAsync<RpcException>(() => police.Concerns.RaiseConcernAsync(referral).ResponseAsync);

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Contains("retry after", error.Status.Detail);
        var retry = error.GetRpcStatus()!.GetDetail<RetryInfo>();
        Assert.NotNull(retry);
        Assert.True(retry.RetryDelay.ToTimeSpan() > TimeSpan.Zero);
        Assert.Equal(before, hub.CountAll());
        // Another agency has its own bucket; health checks are never limited.
        Assert.NotNull(await hub.As("uhl-health").Concerns.RaiseConcernAsync(Requests.HospitalReferral()));
        for (var i = 0; i < 10; i++) await hub.HealthStatusAsync();
    }
}
