using System.Collections.Concurrent;

namespace EscalationHub.Server.Messaging;

/// <summary>Wakes a waiter when something it polls for has changed, so a committed change is acted on at once;
/// waiters still poll on a timeout, which covers changes made by another hub replica.</summary>
public sealed class Signal
{
    private TaskCompletionSource next = NewSource();

    public void Notify() => Interlocked.Exchange(ref next, NewSource()).TrySetResult();

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

/// <summary>One <see cref="Signal"/> per key (e.g. per concern) for the watchers of that key.</summary>
public sealed class KeyedSignals<TKey> where TKey : notnull
{
    private readonly ConcurrentDictionary<TKey, Signal> signals = new();

    public void Notify(TKey key)
    {
        if (signals.TryGetValue(key, out var signal)) signal.Notify();
    }

    public Signal For(TKey key) => signals.GetOrAdd(key, _ => new Signal());

    public void Release(TKey key) => signals.TryRemove(key, out _);
}

/// <summary>Signalled after a transaction that added outbox messages has committed.</summary>
public sealed class OutboxSignal
{
    public Signal Committed { get; } = new();
}
