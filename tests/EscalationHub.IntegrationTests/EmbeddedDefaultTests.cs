using EscalationHub.Contracts.V1;
using EscalationHub.IntegrationTests.Infrastructure;
using Grpc.Health.V1;

namespace EscalationHub.IntegrationTests;

/// <summary>The embedded default: the hub process alone (SQLite file, in-memory transport, adapters in process),
/// called over real HTTP/2.</summary>
public sealed class EmbeddedDefaultTests : IAsyncLifetime
{
    private TestHub hub = null!;

    public async Task InitializeAsync() => hub = await TestHub.StartAsync(brokerUri: null);

    public async Task DisposeAsync() => await hub.DisposeAsync();

    [Fact]
    public async Task The_hub_reports_serving_once_its_store_and_bus_are_ready()
    {
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, await hub.HealthStatusAsync());
        Assert.Contains($"EscalationHub gRPC listening on {hub.Address}", hub.Output);
    }

    [Fact]
    public async Task A_concern_is_acknowledged_and_decided_by_the_in_process_social_care_adapter()
    {
        var concern = await hub.Concerns.RaiseConcernAsync(Requests.HospitalReferral());
        Assert.Equal(ConcernStatus.Received, concern.Status);
        Assert.StartsWith("CN-", concern.Reference);

        var changes = await Requests.WatchUntilDecidedAsync(hub.Concerns, concern.ConcernId, TimeSpan.FromSeconds(30));

        Assert.Equal([ConcernStatus.Received, ConcernStatus.Acknowledged, ConcernStatus.Decided], changes.Select(c => c.Status));
        Assert.Equal([1, 2, 3], changes.Select(c => c.Sequence));
        Assert.Equal("leics-socialcare", changes[1].By.AgencyCode);
        Assert.Equal(ConcernDecision.StrategyDiscussion, changes[2].Decision); // significant harm

        var decided = await hub.Concerns.GetConcernAsync(new GetConcernRequest { ConcernId = concern.ConcernId, AgencyCode = "uhl-health" });
        Assert.Equal(ConcernStatus.Decided, decided.Status);
        Assert.NotNull(decided.AcknowledgedAt);
        Assert.False(string.IsNullOrEmpty(decided.DecisionReason));
    }

    [Fact]
    public async Task Two_concerns_about_the_same_nhs_number_share_one_child_file()
    {
        var first = await hub.Concerns.RaiseConcernAsync(Requests.HospitalReferral());
        var second = await hub.Concerns.RaiseConcernAsync(Requests.HospitalReferral());

        Assert.NotEqual(first.ConcernId, second.ConcernId);
        Assert.Equal(first.ChildFileId, second.ChildFileId);
        Assert.Equal(1, hub.Count("ChildFiles"));
    }
}
