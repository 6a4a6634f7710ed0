using System.Collections.Concurrent;
using System.Net;

namespace EscalationHub.Adapters.Health.Mllp;

/// <summary>A token bucket per sending address, shared by all its connections: <c>burst</c> messages at once, then
/// <c>perSecond</c>. Time is passed in (a monotonic clock's elapsed time), so the rule is testable without waiting.</summary>
public sealed class MllpRateLimit(double perSecond, int burst)
{
    private sealed class Bucket(double tokens, TimeSpan at)
    {
        public double Tokens = tokens;
        public TimeSpan At = at;
    }

    private readonly ConcurrentDictionary<IPAddress, Bucket> buckets = new();

    /// <summary>Takes one token for a message from <paramref name="source"/>; false when it is over the rate.</summary>
    public bool TryTake(IPAddress source, TimeSpan now)
    {
        if (buckets.Count > 10_000) Forget(now);
        var bucket = buckets.GetOrAdd(source, _ => new Bucket(burst, now));
        lock (bucket)
        {
            bucket.Tokens = Math.Min(burst, bucket.Tokens + (now - bucket.At).TotalSeconds * perSecond);
            bucket.At = now;
            if (bucket.Tokens < 1) return false;
            bucket.Tokens -= 1;
            return true;
        }
    }

    /// <summary>Drops the buckets that have refilled (a new one would be the same), so many sources cannot grow the map.</summary>
    private void Forget(TimeSpan now)
    {
        foreach (var (source, bucket) in buckets)
            lock (bucket)
                if (bucket.Tokens + (now - bucket.At).TotalSeconds * perSecond >= burst) buckets.TryRemove(source, out _);
    }
}
