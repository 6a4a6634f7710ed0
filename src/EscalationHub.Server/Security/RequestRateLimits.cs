using System.Threading.RateLimiting;
using EscalationHub.Security;

namespace EscalationHub.Server.Security;

/// <summary>Settings (section Limits) of the per-caller request rate: a token bucket per agency (and per operator)
/// from its certificate, refilled continuously.</summary>
public sealed class RequestRateSettings
{
    public const string Section = "Limits";

    /// <summary>Requests a second each caller may sustain (default 50; 0 turns the limit off).</summary>
    public double RequestsPerSecond { get; set; } = 50;
    /// <summary>How many requests a caller may send at once after a quiet spell (default 200).</summary>
    public int Burst { get; set; } = 200;
}

/// <summary>A token bucket per caller. A stolen or runaway agency credential can then only slow itself down, not the
/// other agencies; what it is refused is RESOURCE_EXHAUSTED with the time to wait.</summary>
public sealed class RequestRateLimits(RequestRateSettings settings) : IDisposable
{
    private readonly PartitionedRateLimiter<string>? limiter = settings.RequestsPerSecond <= 0 ? null
        : PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetTokenBucketLimiter(key, _ => Options(settings)));

    /// <summary>Refilled in small steps so the bucket behaves as a steady rate: a tenth of a second's worth at a time
    /// (or one token every 1/rate seconds for rates below ten a second).</summary>
    private static TokenBucketRateLimiterOptions Options(RequestRateSettings settings)
    {
        var (period, tokens) = settings.RequestsPerSecond >= 10
            ? (TimeSpan.FromMilliseconds(100), (int)Math.Round(settings.RequestsPerSecond / 10))
            : (TimeSpan.FromSeconds(1 / settings.RequestsPerSecond), 1);
        return new TokenBucketRateLimiterOptions
        {
            TokenLimit = Math.Max(1, settings.Burst),
            ReplenishmentPeriod = period,
            TokensPerPeriod = tokens,
            QueueLimit = 0,
            AutoReplenishment = true,
        };
    }

    /// <summary>Null when the call may go ahead; otherwise how long to wait before retrying.</summary>
    public TimeSpan? TryAcquire(CallerIdentity caller)
    {
        if (limiter is null) return null;
        using var lease = limiter.AttemptAcquire(caller.Uri);
        if (lease.IsAcquired) return null;
        return lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromMilliseconds(100);
    }

    public void Dispose() => limiter?.Dispose();
}
