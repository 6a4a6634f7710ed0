namespace EscalationHub.IntegrationTests.Infrastructure;

public static class Eventually
{
    /// <summary>Polls until <paramref name="check"/> returns a value (not null), or fails naming what was awaited.</summary>
    public static async Task<T> GetAsync<T>(Func<Task<T?>> check, string what, TimeSpan? timeout = null) where T : class
    {
        var until = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            if (await check() is { } value) return value;
            if (DateTime.UtcNow > until) throw new TimeoutException($"timed out waiting for {what}");
            await Task.Delay(200);
        }
    }

    public static Task TrueAsync(Func<Task<bool>> check, string what, TimeSpan? timeout = null) =>
        GetAsync<object>(async () => await check() ? new object() : null, what, timeout);
}
