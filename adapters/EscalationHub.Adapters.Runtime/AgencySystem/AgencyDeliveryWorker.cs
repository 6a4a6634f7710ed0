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
    private TaskCompletionSource added = NewSignal();

    /// <summary>How many concerns are delivered side by side.</summary>
    public const int Lanes = 8;

    /// <summary>Each lane (a concern's deliveries) takes its next delivery as soon as its last one is done, and a free
    /// lane is taken up as soon as there is something due for it: no lane waits for the others to finish theirs.</summary>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        adapter.Outbox.Added += OnAdded;
        var inFlight = new Dictionary<Guid, Task>(); // by lane: the concern, or Guid.Empty for deliveries about none
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                if (added.Task.IsCompleted) added = NewSignal(); // what was added so far is read below
                var wait = await StartDueAsync(inFlight, stoppingToken);
                using var timer = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                var waits = new List<Task>(inFlight.Values) { added.Task };
                if (inFlight.Count < Lanes) waits.Add(Task.Delay(wait, timer.Token));
                await Task.WhenAny(waits);
                await timer.CancelAsync();
                foreach (var (lane, delivery) in inFlight.Where(l => l.Value.IsCompleted).ToList())
                {
                    inFlight.Remove(lane);
                    // Not even its failure could be recorded (the file is unreadable?): it is still owed, and tried again.
                    if (delivery.Exception is { } ex) logger.LogError(ex.InnerException, "{Agency}: a delivery failed unrecorded", adapter.AgencyCode);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            adapter.Outbox.Added -= OnAdded;
            await Task.WhenAll(inFlight.Values).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private void OnAdded() => added.TrySetResult();

    /// <summary>Starts the due head of every lane not already in flight, while lanes are free.</summary>
    /// <returns>How long to wait before looking again if nothing else happens.</returns>
    private async Task<TimeSpan> StartDueAsync(Dictionary<Guid, Task> inFlight, CancellationToken stoppingToken)
    {
        IReadOnlyList<AgencyDelivery> heads;
        try
        {
            // The lanes in flight are among the oldest: ask for that many more.
            heads = await adapter.Outbox.LaneHeadsAsync(Lanes + inFlight.Count, stoppingToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError(ex, "{Agency}: cannot read the delivery outbox", adapter.AgencyCode);
            return Poll;
        }

        var now = clock.GetUtcNow();
        var wait = Poll;
        foreach (var head in heads)
        {
            var lane = head.ConcernId ?? Guid.Empty;
            if (inFlight.ContainsKey(lane)) continue;
            if (head.NextAttemptAt > now)
            {
                if (head.NextAttemptAt - now < wait) wait = head.NextAttemptAt - now;
                continue;
            }
            if (inFlight.Count == Lanes) break;
            inFlight[lane] = DeliverAsync(head, stoppingToken);
        }
        return wait;
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
