using EscalationHub.Server.Store;
using Microsoft.EntityFrameworkCore;

namespace EscalationHub.Server.Operations;

/// <summary>Deletes flow events older than Operations:FlowRetention (default 30 days) every
/// Operations:FlowPurgeInterval (default 1 hour), in batches so the store is never locked for long. Dead letters
/// and the redrive record are kept: they are the operators' audit trail.</summary>
public sealed class FlowRetention(IServiceScopeFactory scopes, IConfiguration configuration, TimeProvider clock, ILogger<FlowRetention> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var retention = configuration.GetValue("Operations:FlowRetention", TimeSpan.FromDays(30));
        var interval = configuration.GetValue("Operations:FlowPurgeInterval", TimeSpan.FromHours(1));
        using var timer = new PeriodicTimer(interval, clock);
        do
        {
            try
            {
                var purged = await PurgeAsync(clock.GetUtcNow() - retention, stoppingToken);
                if (purged > 0) logger.LogInformation("Purged {Count} flow events older than {Retention}", purged, retention);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(ex, "Flow event purge failed; trying again in {Interval}", interval);
            }
        } while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    public async Task<int> PurgeAsync(DateTimeOffset olderThan, CancellationToken cancellationToken)
    {
        var total = 0;
        while (true)
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<HubDbContext>();
            var batch = await db.FlowEvents.Where(f => f.RecordedAt < olderThan).OrderBy(f => f.RecordedAt).Select(f => f.Id).Take(1000)
                .ToListAsync(cancellationToken);
            if (batch.Count == 0) return total;
            total += await db.FlowEvents.Where(f => batch.Contains(f.Id)).ExecuteDeleteAsync(cancellationToken);
        }
    }
}
