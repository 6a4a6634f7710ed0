using EscalationHub.Messaging;
using MassTransit;
using MassTransit.UsageTracking;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace EscalationHub.Server.Tests;

/// <summary>No process calls anything outside the partnership: MassTransit's usage telemetry (a report of the host,
/// versions and endpoints to the vendor's server after the bus starts) is off in the one place every bus is built.</summary>
public sealed class VendorTelemetryTests
{
    [Fact]
    public void The_bus_is_built_with_MassTransits_usage_telemetry_off_even_when_its_variable_asks_for_it()
    {
        Environment.SetEnvironmentVariable(BusRegistration.UsageTelemetryVariable, "true");
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = "Production" });
        builder.Services.AddLogging();
        builder.AddEscalationHubBus();
        using var host = builder.Build();

        Assert.False(host.Services.GetRequiredService<IOptions<UsageTelemetryOptions>>().Value.Enabled);
        var tracker = Assert.IsType<UsageTracker>(host.Services.GetRequiredService<IUsageTracker>());
        Assert.False(tracker.Enabled);
    }
}
