using System.Net;
using System.Text;
using EscalationHub.Contracts.V1;
using EscalationHub.IntegrationTests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace EscalationHub.IntegrationTests;

/// <summary>The embedded default hosts all four adapters with their simulators: one process, no broker.</summary>
public sealed class EmbeddedAdaptersTests : IAsyncLifetime
{
    private readonly int mllpPort = Ports.Free(Ports.ServerMin, Ports.ServerMax);
    private TestHub hub = null!;

    public async Task InitializeAsync() =>
        hub = await TestHub.StartAsync(brokerUri: null, new Dictionary<string, string> { ["Adapters:Health:Mllp:Port"] = mllpPort.ToString() });

    public async Task DisposeAsync() => await hub.DisposeAsync();

    [Fact]
    public async Task A_referral_over_MLLP_to_the_embedded_hub_is_decided_by_the_simulated_front_door_and_the_EPR_is_told()
    {
        using var mllp = await MllpClient.ConnectAsync(mllpPort);

        var ack = await mllp.SendAsync(MllpClient.Sample("ref-i12-minimal-lf.hl7"));

        Assert.Equal(("AA", "ICE00044720"), MllpClient.Msa(ack));
        var id = await WaitForConcernAsync("hl7:RWE:ICE00044720");
        var changes = await Requests.WatchUntilDecidedAsync(hub.Concerns, id, TimeSpan.FromSeconds(30));
        Assert.Equal(ConcernDecision.EarlyHelp, changes.Last().Decision); // standard neglect
        await WaitUntil(() => Simulated("uhl-health").LastOrDefault() == "task.completed");
    }

    [Fact]
    public async Task The_embedded_adapters_HTTP_interfaces_answer_on_their_own_listeners_with_their_agency_systems_credentials()
    {
        // Each embedded adapter listens on its own port (Adapters:{Name}:Urls), as a standalone adapter does, and wants
        // its agency system's credential (Security/AgencyEndpointAuthenticationTests has the refusals).
        using var epr = hub.AgencySystem("Health");
        using var school = hub.AgencySystem("Education");

        var fhir = await epr.PostAsync("/fhir/Bundle", new StringContent(File.ReadAllText(
            Path.Combine(AppContext.BaseDirectory, "Samples", "fhir", "bundle-message-referral.json")), Encoding.UTF8, "application/fhir+json"));
        var badSchool = await school.PostAsync("/concerns", new StringContent("{\"referralId\":\"x\"}", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.Accepted, fhir.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badSchool.StatusCode);
        Assert.Contains("child", await badSchool.Content.ReadAsStringAsync());
        var id = await WaitForConcernAsync("fhir:https://fhir.leicestershospitals.nhs.uk/Id/ice-referral|ICEREF-2026-50113");
        var changes = await Requests.WatchUntilDecidedAsync(hub.Concerns, id, TimeSpan.FromSeconds(30));
        Assert.Equal(ConcernStatus.Decided, changes.Last().Status);
        Assert.Equal(1, hub.Count("Concerns"));
    }

    private IReadOnlyList<string> Simulated(string agencyCode)
    {
        var path = Path.Combine(hub.Directory, $"adapter-{agencyCode}.db");
        if (!File.Exists(path)) return [];
        using var connection = new SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT kind FROM simulator_received ORDER BY sequence";
        using var reader = command.ExecuteReader();
        var kinds = new List<string>();
        while (reader.Read()) kinds.Add(reader.GetString(0));
        return kinds;
    }

    private async Task<string> WaitForConcernAsync(string key)
    {
        string? id = null;
        await WaitUntil(() =>
        {
            using var connection = new SqliteConnection($"Data Source={hub.DatabasePath};Mode=ReadOnly;Pooling=False");
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT Id FROM Concerns WHERE IdempotencyKey = $key";
            command.Parameters.AddWithValue("$key", key);
            id = command.ExecuteScalar() is string found ? Guid.Parse(found).ToString() : null;
            return id is not null;
        });
        return id!;
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        var until = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            if (DateTime.UtcNow > until) throw new TimeoutException("condition not met in time");
            await Task.Delay(100);
        }
    }
}
