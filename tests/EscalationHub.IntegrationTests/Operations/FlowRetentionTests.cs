using EscalationHub.Contracts.V1;
using EscalationHub.IntegrationTests.Infrastructure;

namespace EscalationHub.IntegrationTests.Operations;

public sealed class FlowRetentionTests
{
    [Fact]
    public async Task Flow_events_older_than_the_retention_are_purged_in_the_background()
    {
        await using var hub = await TestHub.StartAsync(brokerUri: null, new Dictionary<string, string>
        {
            ["Operations:FlowRetention"] = "00:00:03",
            ["Operations:FlowPurgeInterval"] = "00:00:01",
        });
        var concern = await hub.Concerns.RaiseConcernAsync(Requests.HospitalReferral());
        await Requests.WatchUntilDecidedAsync(hub.Concerns, concern.ConcernId, TimeSpan.FromSeconds(30));
        Assert.True(hub.Count("FlowEvents") > 0);

        await Eventually.TrueAsync(() => Task.FromResult(hub.Count("FlowEvents") == 0), "the purge of every flow event", TimeSpan.FromSeconds(20));
        Assert.Equal(1, hub.Count("Concerns")); // only the operators' view is purged, never the record
        Assert.Empty((await hub.Operations.ListFlowAsync(new ListFlowRequest(), TestHub.Operator)).Events);
    }
}
