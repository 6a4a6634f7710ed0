namespace EscalationHub.Server.Messaging;

/// <summary>Wakes a waiter when something it polls for has changed, so a committed change is acted on at once;
/// waiters still poll on a timeout, which covers changes made by another hub replica.</summary>
public sealed class Signal
{
    private TaskCompletionSource next = NewSource();

    public void Notify() => Interlocked.Exchange(ref next, NewSource()).TrySetResult();

    /// <summary>Completes at the next <see cref="Notify"/>. Take it before reading what the signal guards and wait on
    /// it after (<see cref="WaitAsync(Task, TimeSpan, CancellationToken)"/>): a change committed between the read and
    /// the wait then still wakes the waiter.</summary>
    public Task Next => Volatile.Read(ref next).Task;

    /// <summary>Waits for <paramref name="next"/> (from <see cref="Next"/>) or the timeout, whichever comes first.</summary>
    public static async Task WaitAsync(Task next, TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            await next.WaitAsync(timeout, cancellationToken);
        }
        catch (TimeoutException)
        {
        }
    }

    public async Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            await Volatile.Read(ref next).Task.WaitAsync(timeout, cancellationToken);
        }
        catch (TimeoutException)
        {
        }
    }

    private static TaskCompletionSource NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>One <see cref="Signal"/> per key (e.g. per concern) for the watchers of that key. A watcher holds a lease
/// while it watches; the signal is dropped with the last lease, so keys nobody watches cost nothing.</summary>
public sealed class KeyedSignals<TKey> where TKey : notnull
{
    private readonly Dictionary<TKey, (Signal Signal, int Watchers)> signals = [];

    public void Notify(TKey key)
    {
        Signal? signal;
        lock (signals) signal = signals.TryGetValue(key, out var entry) ? entry.Signal : null;
        signal?.Notify();
    }

    public Lease Watch(TKey key)
    {
        lock (signals)
        {
            var (signal, watchers) = signals.TryGetValue(key, out var entry) ? entry : (new Signal(), 0);
            signals[key] = (signal, watchers + 1);
            return new Lease(this, key, signal);
        }
    }

    private void Release(TKey key)
    {
        lock (signals)
        {
            var (signal, watchers) = signals[key];
            if (watchers == 1) signals.Remove(key);
            else signals[key] = (signal, watchers - 1);
        }
    }

    public sealed class Lease(KeyedSignals<TKey> owner, TKey key, Signal signal) : IDisposable
    {
        private int disposed;

        public Signal Signal { get; } = signal;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref disposed, 1) == 0) owner.Release(key);
        }
    }
}

/// <summary>Signalled after a transaction that added outbox messages has committed.</summary>
public sealed class OutboxSignal
{
    public Signal Committed { get; } = new();
}
