using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EscalationHub.Adapters.Runtime.AgencySystem;

/// <summary>Delivers what the adapter owes its agency system: each concern's deliveries one at a time, oldest first,
/// and up to <see cref="Lanes"/> concerns side by side, so one slow answer does not hold every other child's case
/// back. While the system is down a concern's oldest delivery is retried with exponential backoff and its later ones
/// wait behind it. Nothing is ever dropped: a delivery stays in the adapter's SQLite file until the system has taken it.</summary>
public sealed class AgencyDeliveryWorker(
    AgencyAdapter adapter,
    IAgencySystemTransport transport,
    AgencySystemOptions options,
    TimeProvider clock,
    ILogger<AgencyDeliveryWorker> logger) : BackgroundService
{
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(1);
    private readonly SemaphoreSlim added = new(0);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        adapter.Outbox.Added += OnAdded;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var wait = await DeliverDueAsync(stoppingToken);
                await added.WaitAsync(wait, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            adapter.Outbox.Added -= OnAdded;
        }
    }

    private void OnAdded()
    {
        if (added.CurrentCount == 0) added.Release();
    }

    /// <summary>How many concerns are delivered side by side.</summary>
    public const int Lanes = 8;

    /// <returns>How long to wait before looking again.</returns>
    private async Task<TimeSpan> DeliverDueAsync(CancellationToken stoppingToken)
    {
        while (true)
        {
            IReadOnlyList<AgencyDelivery> heads;
            try
            {
                heads = await adapter.Outbox.LaneHeadsAsync(Lanes, stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "{Agency}: cannot read the delivery outbox", adapter.AgencyCode);
                return Poll;
            }

            if (heads.Count == 0) return Poll;
            var now = clock.GetUtcNow();
            var due = heads.Where(d => d.NextAttemptAt <= now).ToList();
            if (due.Count == 0)
            {
                var wait = heads.Min(d => d.NextAttemptAt) - now;
                return wait < Poll ? wait : Poll;
            }
            await Task.WhenAll(due.Select(d => DeliverAsync(d, stoppingToken)));
        }
    }

    private async Task DeliverAsync(AgencyDelivery next, CancellationToken stoppingToken)
    {
        // Continue the trace of the message that caused the delivery: a simulated system's answer (sent from here)
        // and a real one carrying the webhook's traceparent stay in the concern's trace.
        using var activity = next.TraceParent is { } parent ? new Activity("agency-system.deliver").SetParentId(parent).Start() : null;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            timeout.CancelAfter(options.RequestTimeout);
            await transport.DeliverAsync(next, timeout.Token);
            await adapter.Outbox.MarkDeliveredAsync(next.Sequence, clock.GetUtcNow(), stoppingToken);
            logger.LogInformation("{Agency}: delivered {Kind} {DeliveryId} to the agency system (attempt {Attempt})",
                adapter.AgencyCode, next.Kind, next.Id, next.Attempts + 1);
        }
        catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
        {
            var backoff = options.BackoffAfter(next.Attempts + 1);
            await adapter.Outbox.MarkFailedAsync(next.Sequence, clock.GetUtcNow() + backoff, ex.Message, stoppingToken);
            logger.LogWarning("{Agency}: the agency system did not take {Kind} {DeliveryId} (attempt {Attempt}: {Error}); retrying in {Backoff}",
                adapter.AgencyCode, next.Kind, next.Id, next.Attempts + 1, ex.Message, backoff);
        }
    }
}
