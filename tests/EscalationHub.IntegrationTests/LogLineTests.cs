using System.Globalization;
using System.Text.Json;
using EscalationHub.IntegrationTests.Infrastructure;

namespace EscalationHub.IntegrationTests;

/// <summary>The hub's log as an operator collects it (Logging__Console__FormatterName=json, as in compose).</summary>
public sealed class LogLineTests
{
    [Fact]
    public async Task Every_json_log_line_carries_its_utc_time_in_iso_8601()
    {
        await using var hub = await TestHub.StartAsync(brokerUri: null, new Dictionary<string, string> { ["Logging:Console:FormatterName"] = "json" });
        await hub.Concerns.RaiseConcernAsync(Requests.HospitalReferral());

        var lines = hub.Output.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith('{')).ToList();
        Assert.NotEmpty(lines);
        foreach (var line in lines)
        {
            using var json = JsonDocument.Parse(line);
            var timestamp = json.RootElement.GetProperty("Timestamp").GetString()!;
            Assert.True(DateTimeOffset.TryParseExact(timestamp, "yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal, out var at), line);
            Assert.InRange(at, DateTimeOffset.UtcNow.AddMinutes(-10), DateTimeOffset.UtcNow.AddMinutes(1));
        }
    }

    [Theory]
    [InlineData("adapters/EscalationHub.Adapters.Police", "EscalationHub.Adapters.Police", "leics-police")]
    [InlineData("adapters/EscalationHub.Adapters.Health", "EscalationHub.Adapters.Health", "uhl-health")]
    public async Task A_standalone_adapter_logs_json_lines_with_their_utc_time_in_iso_8601_as_its_appsettings_ask(string project, string assembly, string agency)
    {
        var folder = Path.Combine(Path.GetTempPath(), $"eh-log-{Guid.NewGuid():N}");
        var port = Ports.Free(Ports.ServerMin, Ports.ServerMax);
        await using (var adapter = AppProcess.Start(project, assembly, folder, new Dictionary<string, string>
                     {
                         ["Urls"] = $"http://127.0.0.1:{port}",
                         ["Adapter:AgencyCode"] = agency,
                         ["Adapter:DataDirectory"] = folder,
                         ["Adapter:Mllp:Port"] = "0",
                         ["Messaging:RabbitMq"] = "",
                     }))
        {
            await Eventually.TrueAsync(() => Task.FromResult(adapter.Output.Split('\n').Count(l => l.TrimStart().StartsWith('{')) >= 2),
                "the adapter's first log lines", TimeSpan.FromMinutes(2));
            foreach (var line in adapter.Output.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith('{')))
            {
                using var json = JsonDocument.Parse(line);
                Assert.True(json.RootElement.TryGetProperty("Timestamp", out var timestamp), $"no Timestamp: {line}");
                Assert.True(DateTimeOffset.TryParseExact(timestamp.GetString(), "yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture,
                    DateTimeStyles.AssumeUniversal, out _), line);
            }
        }
        Directory.Delete(folder, recursive: true);
    }
}
