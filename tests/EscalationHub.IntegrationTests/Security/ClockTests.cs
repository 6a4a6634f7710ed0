using EscalationHub.Contracts.V1;
using EscalationHub.IntegrationTests.Infrastructure;
using EscalationHub.Security;
using Grpc.Core;

namespace EscalationHub.IntegrationTests.Security;

/// <summary>The movable clock (Clock:OffsetFile) exists only in Development, is announced loudly, and moves deadlines
/// only: certificates are checked, and tree heads signed, on the real time.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ClockTests(ClockTests.HubADayBehind fixture) : IClassFixture<ClockTests.HubADayBehind>
{
    /// <summary>A Development hub whose clock the offset file has moved a day back.</summary>
    public sealed class HubADayBehind : IAsyncLifetime
    {
        public TestHub Hub { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Hub = await TestHub.StartAsync(brokerUri: null, TestHub.MovableClock);
            Hub.MoveClockForward(TimeSpan.FromDays(-1));
            await Eventually.TrueAsync(() => Task.FromResult(Hub.Output.Contains("The hub's clock moved: offset -1.00:00:00")),
                "the hub to take the offset");
        }

        public async Task DisposeAsync() => await Hub.DisposeAsync();
    }

    private readonly TestHub hub = fixture.Hub;

    [Fact]
    public async Task A_hub_in_Production_with_a_clock_offset_file_refuses_to_start_and_names_the_setting()
    {
        var folder = Path.Combine(Path.GetTempPath(), $"eh-clock-{Guid.NewGuid():N}");
        DataAtRest.CreatePrivateDirectory(folder);

        var (exitCode, output) = await DataAtRestTests.StartHubAndWaitForExitAsync(folder, new Dictionary<string, string>
        {
            ["Clock:OffsetFile"] = Path.Combine(folder, "clock-offset"),
            ["DOTNET_ENVIRONMENT"] = "Production",
        });

        Assert.NotEqual(0, exitCode);
        Assert.Contains("Clock:OffsetFile", output);
        Assert.Contains("Production", output);
        Assert.False(File.Exists(Path.Combine(folder, "hub.db")), "the hub created its database anyway");
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public void The_movable_clock_is_announced_as_a_warning_at_start_and_when_it_moves()
    {
        var lines = hub.Output.Split('\n');
        Assert.Contains(lines, l => l.Contains("warn") && l.Contains("The hub's clock is movable"));
        Assert.Contains(lines, l => l.Contains("warn") && l.Contains("The hub's clock moved: offset -1.00:00:00"));
    }

    [Fact]
    public async Task With_the_clock_a_day_back_a_certificate_that_expired_an_hour_ago_is_still_refused()
    {
        var now = DateTimeOffset.UtcNow;
        using var ca = hub.Callers.PartnershipCaWithKey();
        using var expired = PartnershipCertificates.IssueClient(ca, CallerIdentity.Agency("uhl-health"), ca.NotBefore, now.AddHours(-1));
        var clients = hub.Callers.WithCertificate(expired);

        var refused = await Assert.ThrowsAsync<RpcException>(() => clients.Escalations.ListDisagreementsAsync(new ListDisagreementsRequest()).ResponseAsync);

        Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
        Assert.Contains("expired", refused.Status.Detail);
    }

    [Fact]
    public async Task With_the_clock_a_day_back_a_new_tree_head_is_stamped_with_the_real_time()
    {
        var ledger = hub.As("uhl-health").Ledger;
        var before = await ledger.GetLatestTreeHeadAsync(new GetLatestTreeHeadRequest());
        await hub.As("uhl-health").Concerns.RaiseConcernAsync(Requests.HospitalReferral());

        var head = await Eventually.GetAsync(async () =>
        {
            var latest = await ledger.GetLatestTreeHeadAsync(new GetLatestTreeHeadRequest());
            return latest.TreeSize > before.TreeSize ? latest : null;
        }, "a tree head covering the concern");

        var stamped = DateTimeOffset.UnixEpoch.AddTicks(head.TimestampTicks);
        Assert.InRange(stamped, DateTimeOffset.UtcNow.AddMinutes(-10), DateTimeOffset.UtcNow.AddMinutes(1));
    }
}
