using System.Reflection;
using EscalationHub.Contracts.Messages;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EscalationHub.Adapters.Runtime;

/// <summary>Every Adapter:HeartbeatInterval (default 30 s) each hosted adapter tells the hub it is alive, with its
/// agency code, version and the interval, so the hub can tell operators when an adapter has gone silent.</summary>
public sealed class AdapterHeartbeats(AgencyAdapters adapters, HubSender hub, IConfiguration configuration, TimeProvider clock,
    ILogger<AdapterHeartbeats> logger) : BackgroundService
{
    public static readonly string Version =
        typeof(AdapterHeartbeats).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = configuration.GetValue("Adapter:HeartbeatInterval", TimeSpan.FromSeconds(30));
        if (interval <= TimeSpan.Zero) return;
        using var timer = new PeriodicTimer(interval, clock);
        do
        {
            foreach (var adapter in adapters.All)
            {
                try
                {
                    await hub.SendAsync(new AdapterHeartbeat(adapter.AgencyCode, Version, clock.GetUtcNow(), interval), Guid.NewGuid(), stoppingToken);
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    logger.LogWarning(ex, "{Agency}: heartbeat not sent", adapter.AgencyCode);
                }
            }
        } while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
