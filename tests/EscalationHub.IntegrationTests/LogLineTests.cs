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
}
