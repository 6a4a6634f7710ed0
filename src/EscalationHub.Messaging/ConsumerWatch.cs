namespace EscalationHub.Messaging;

/// <summary>What the <see cref="ConsumerWatchdog"/> does after a look at its queues on the broker.</summary>
public enum ConsumerWatchAction { None, RestartBus, Exit }

/// <summary>
/// The watchdog's decision, kept pure so a fake clock can drive it. A queue this process consumes from that has had no
/// consumer on the broker for <paramref name="missingFor"/> while the broker answered means the bus stopped consuming
/// without knowing it (MassTransit 8 sometimes does not resume after a broker restart, issues #2072, #5692, #6095):
/// restart the bus; if that does not bring the consumer back <paramref name="restartsBeforeExit"/> times in a row,
/// exit so the supervisor starts a fresh process. Messages wait in the durable queue meanwhile; nothing is lost.
/// </summary>
public sealed class ConsumerWatch(TimeSpan missingFor, int restartsBeforeExit = 2)
{
    private readonly Dictionary<string, DateTimeOffset> missingSince = new(StringComparer.Ordinal);
    private int restartsInARow;

    /// <summary>The queues without a consumer for longer than allowed, as of the last look.</summary>
    public IReadOnlyList<string> Stalled { get; private set; } = [];

    /// <summary>One look at the broker: each queue with its consumer count (0 also for a queue that is not there).</summary>
    public ConsumerWatchAction Observe(DateTimeOffset now, IEnumerable<(string Queue, int Consumers)> queues)
    {
        foreach (var (queue, consumers) in queues)
        {
            if (consumers > 0) missingSince.Remove(queue);
            else missingSince.TryAdd(queue, now);
        }
        if (missingSince.Count == 0)
        {
            restartsInARow = 0;
            Stalled = [];
            return ConsumerWatchAction.None;
        }

        Stalled = missingSince.Where(m => now - m.Value >= missingFor).Select(m => m.Key).Order(StringComparer.Ordinal).ToList();
        if (Stalled.Count == 0) return ConsumerWatchAction.None;
        missingSince.Clear(); // the restarted bus gets a whole window of its own
        return ++restartsInARow > restartsBeforeExit ? ConsumerWatchAction.Exit : ConsumerWatchAction.RestartBus;
    }

    /// <summary>The broker did not answer: the bus cannot consume either, and reconnects by itself; start counting
    /// again once the broker is back.</summary>
    public void BrokerUnreachable() => missingSince.Clear();
}
