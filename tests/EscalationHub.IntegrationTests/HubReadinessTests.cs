using System.Diagnostics;
using System.Reflection;
using EscalationHub.Contracts.V1;
using EscalationHub.IntegrationTests.Infrastructure;
using Google.Protobuf.Reflection;
using Grpc.Core;
using Grpc.Health.V1;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace EscalationHub.IntegrationTests;

/// <summary>Ready means ready (docs/production.md, "Load balancer checks"): until the store and the bus are ready, the
/// gRPC health service answers NOT_SERVING for the hub and for each service, and every other call is refused at once
/// with UNAVAILABLE instead of waiting for the caller's deadline; once ready, each answers SERVING and calls work.
/// All over real HTTP/2 with Grpc.Net.Client.</summary>
public sealed class HubReadinessTests(EmbeddedHub embedded) : IClassFixture<EmbeddedHub>
{
    /// <summary>The names the health service knows: "" (the whole hub) and each service of the contracts.</summary>
    private static readonly string[] ServiceNames =
        ["escalationhub.v1.Concerns", "escalationhub.v1.Escalations", "escalationhub.v1.Ledger", "escalationhub.v1.Operations"];

    private static readonly string[] HealthNames = ["", .. ServiceNames];

    private const string NotReady = "hub starting: store or bus not ready";

    [Fact]
    public void The_health_names_are_every_service_in_the_contracts()
    {
        var contractServices = typeof(Concerns).Assembly.GetTypes()
            .Select(t => t.GetProperty("Descriptor", BindingFlags.Public | BindingFlags.Static))
            .Where(p => p?.PropertyType == typeof(FileDescriptor))
            .SelectMany(p => ((FileDescriptor)p!.GetValue(null)!).Services)
            .Select(s => s.FullName);

        Assert.Equal(ServiceNames.Order(), contractServices.Order());
    }

    [Fact]
    public async Task Once_ready_the_hub_and_each_of_its_services_answer_SERVING_and_calls_work()
    {
        var hub = embedded.Hub;
        using var channel = hub.Callers.FreshAnonymousChannel();
        var health = new Health.HealthClient(channel);

        foreach (var name in HealthNames)
        {
            var response = await health.CheckAsync(new HealthCheckRequest { Service = name }, deadline: DateTime.UtcNow.AddSeconds(30));
            Assert.True(response.Status == ServingStatus.Serving, $"health of '{name}': {response.Status}");
        }
        var unknown = await Assert.ThrowsAsync<RpcException>(() =>
            health.CheckAsync(new HealthCheckRequest { Service = "escalationhub.v1.Nothing" }, deadline: DateTime.UtcNow.AddSeconds(30)).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);

        var concern = await hub.As("uhl-health").Concerns.RaiseConcernAsync(Requests.HospitalReferral());
        Assert.NotEmpty(concern.ConcernId);
    }

    [Fact]
    public async Task Until_its_bus_is_ready_every_call_is_refused_at_once_with_UNAVAILABLE_and_every_health_name_is_NOT_SERVING()
    {
        var closedPort = Ports.Free(10000, 30000);
        await using var hub = await TestHub.StartAsync($"amqp://guest:guest@127.0.0.1:{closedPort}/", waitUntilServing: false);
        await WaitUntilAnsweringAsync(hub);

        using (var channel = hub.Callers.FreshAnonymousChannel())
        {
            var health = new Health.HealthClient(channel);
            foreach (var name in HealthNames)
            {
                var response = await health.CheckAsync(new HealthCheckRequest { Service = name }, deadline: DateTime.UtcNow.AddSeconds(30));
                Assert.True(response.Status == ServingStatus.NotServing, $"health of '{name}': {response.Status}");
            }
        }

        var agency = hub.As("uhl-health");
        // The connection (mutual TLS) is made before the clock starts: what is timed is the hub's answer.
        await agency.Health.CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(30));
        var clock = Stopwatch.StartNew();
        var raise = await Assert.ThrowsAsync<RpcException>(() =>
            agency.Concerns.RaiseConcernAsync(Requests.HospitalReferral(), deadline: DateTime.UtcNow.AddSeconds(5)).ResponseAsync);
        clock.Stop();
        Assert.Equal(StatusCode.Unavailable, raise.StatusCode);
        Assert.Equal(NotReady, raise.Status.Detail);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2.5), $"RaiseConcern took {clock.Elapsed} to be refused (deadline 5 s)");

        // Every service, streams too.
        var get = await Assert.ThrowsAsync<RpcException>(() =>
            agency.Concerns.GetConcernAsync(new GetConcernRequest { ConcernId = Guid.NewGuid().ToString() }).ResponseAsync);
        var watch = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            using var call = agency.Concerns.WatchConcern(new WatchConcernRequest { ConcernId = Guid.NewGuid().ToString() },
                deadline: DateTime.UtcNow.AddSeconds(5));
            await call.ResponseStream.MoveNext();
        });
        var list = await Assert.ThrowsAsync<RpcException>(() => agency.Escalations.ListDisagreementsAsync(new ListDisagreementsRequest()).ResponseAsync);
        var head = await Assert.ThrowsAsync<RpcException>(() => agency.Ledger.GetLatestTreeHeadAsync(new GetLatestTreeHeadRequest()).ResponseAsync);
        var adapters = await Assert.ThrowsAsync<RpcException>(() => hub.AsOperator().Operations.ListAdaptersAsync(new ListAdaptersRequest()).ResponseAsync);
        Assert.All(new[] { get, watch, list, head, adapters }, error =>
        {
            Assert.Equal(StatusCode.Unavailable, error.StatusCode);
            Assert.Equal(NotReady, error.Status.Detail);
        });
        Assert.Equal(0, hub.Count("Outbox"));
    }

    /// <summary>The hub's process listens (it answers the health service), whatever it answers.</summary>
    private static async Task WaitUntilAnsweringAsync(TestHub hub)
    {
        // A hub starting on a loaded 2-core machine can take a minute or more to listen.
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(180);
        while (true)
        {
            try
            {
                await hub.HealthStatusAsync();
                return;
            }
            catch (Exception ex) when (ex is RpcException or FileNotFoundException && DateTime.UtcNow < until)
            {
                await Task.Delay(200);
            }
        }
    }
}
