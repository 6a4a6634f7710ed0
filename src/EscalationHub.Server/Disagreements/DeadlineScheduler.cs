using EscalationHub.Server.Store;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace EscalationHub.Server.Disagreements;

/// <summary>Fires stage deadlines: escalates a disagreement whose deadline passed unresolved, and warns the parties
/// ahead of a deadline. It looks only at the indexed AutoEscalateAt / WarnAt columns (the earliest due first), so its
/// cost per due deadline does not grow with the number of open cases. It wakes on every change and at least every
/// poll interval, and on start catches up with everything that fell due while the hub was down.</summary>
public sealed class DeadlineScheduler(
    IServiceScopeFactory scopes,
    DisagreementSignals signals,
    IOptions<EscalationOptions> options,
    TimeProvider clock,
    ILogger<DeadlineScheduler> logger) : BackgroundService
{
    private const int Batch = 50;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            TimeSpan wait;
            try
            {
                wait = await RunOnceAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "The deadline scheduler failed; trying again shortly");
                wait = TimeSpan.FromSeconds(1);
            }
            await signals.Scheduler.WaitAsync(wait, stoppingToken);
        }
    }

    /// <summary>The earliest-due disagreements whose deadline has passed: a range seek on a partial index.</summary>
    public static IQueryable<string> DueForEscalation(HubDbContext db, DateTimeOffset now) =>
        db.Disagreements.AsNoTracking().Where(d => d.AutoEscalateAt != null && d.AutoEscalateAt < now)
            .OrderBy(d => d.AutoEscalateAt).Select(d => d.Id).Take(Batch);

    public static IQueryable<string> DueForWarning(HubDbContext db, DateTimeOffset now) =>
        db.Disagreements.AsNoTracking().Where(d => d.WarnAt != null && d.WarnAt <= now)
            .OrderBy(d => d.WarnAt).Select(d => d.Id).Take(Batch);

    /// <returns>How long it may sleep before the next deadline or warning falls due.</returns>
    public async Task<TimeSpan> RunOnceAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<HubDbContext>();
        // One scheduler at a time across hub replicas; each firing also re-checks the deadline in its own commit.
        await using var claim = await (scope.ServiceProvider.GetService<ReplicaLocks>() ?? ReplicaLocks.SingleHub).TryClaimAsync(db, ReplicaTask.DeadlineScheduler, cancellationToken);
        if (claim is null) return options.Value.SchedulerPollInterval;
        var now = clock.GetUtcNow();

        var dueEscalations = await DueForEscalation(db, now).ToListAsync(cancellationToken);
        foreach (var id in dueEscalations)
        {
            await using var work = scopes.CreateAsyncScope();
            var handler = work.ServiceProvider.GetRequiredService<EscalateOverdueHandler>();
            if (await work.ServiceProvider.GetRequiredService<HubUnitOfWork>().ExecuteAsync(ct => handler.HandleAsync(id, ct), cancellationToken))
            {
                work.ServiceProvider.GetRequiredService<DisagreementStore>().AfterCommit(id);
                logger.LogWarning("Disagreement {Id} escalated automatically: its stage deadline passed unresolved", id);
            }
        }

        var dueWarnings = await DueForWarning(db, now).ToListAsync(cancellationToken);
        foreach (var id in dueWarnings)
        {
            await using var work = scopes.CreateAsyncScope();
            var store = work.ServiceProvider.GetRequiredService<DisagreementStore>();
            await work.ServiceProvider.GetRequiredService<HubUnitOfWork>().ExecuteAsync(ct => store.WarnAsync(id, ct), cancellationToken);
            logger.LogInformation("Parties of disagreement {Id} warned that the stage deadline is near", id);
        }

        if (dueEscalations.Count == Batch || dueWarnings.Count == Batch) return TimeSpan.Zero; // more to catch up on

        var nextEscalation = await db.Disagreements.Where(d => d.AutoEscalateAt != null).OrderBy(d => d.AutoEscalateAt)
            .Select(d => d.AutoEscalateAt).FirstOrDefaultAsync(cancellationToken);
        var nextWarning = await db.Disagreements.Where(d => d.WarnAt != null).OrderBy(d => d.WarnAt)
            .Select(d => d.WarnAt).FirstOrDefaultAsync(cancellationToken);
        var next = new[] { nextEscalation, nextWarning }.Where(t => t is not null).Min();
        var poll = options.Value.SchedulerPollInterval;
        if (next is null) return poll;
        // A deadline is passed once now is beyond it: wake just after it, but never sleep past the poll interval
        // (another replica or a moved clock may have changed things).
        var until = next.Value - clock.GetUtcNow() + TimeSpan.FromMilliseconds(1);
        return until < TimeSpan.Zero ? TimeSpan.Zero : until < poll ? until : poll;
    }
}
