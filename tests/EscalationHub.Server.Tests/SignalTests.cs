using EscalationHub.Server.Messaging;

namespace EscalationHub.Server.Tests;

public sealed class SignalTests
{
    [Fact]
    public async Task A_notification_wakes_every_watcher_of_the_key_even_after_another_watcher_left()
    {
        var signals = new KeyedSignals<string>();
        var leaving = signals.Watch("DG-1");
        using var staying = signals.Watch("DG-1");
        leaving.Dispose();

        var woken = staying.Signal.WaitAsync(TimeSpan.FromSeconds(30), CancellationToken.None);
        signals.Notify("DG-1");

        Assert.Same(woken, await Task.WhenAny(woken, Task.Delay(TimeSpan.FromSeconds(10))));
    }

    [Fact]
    public async Task A_notification_for_another_key_does_not_wake_a_watcher()
    {
        var signals = new KeyedSignals<string>();
        using var watch = signals.Watch("DG-1");

        var waiting = watch.Signal.WaitAsync(TimeSpan.FromMilliseconds(300), CancellationToken.None);
        signals.Notify("DG-2");
        var started = DateTime.UtcNow;
        await waiting;

        Assert.True(DateTime.UtcNow - started >= TimeSpan.FromMilliseconds(250), "woken by a notification for another key");
    }

    [Fact]
    public async Task A_change_notified_while_the_watcher_was_reading_still_wakes_it()
    {
        var signals = new KeyedSignals<string>();
        using var watch = signals.Watch("DG-1");

        var next = watch.Signal.Next; // taken before the read
        signals.Notify("DG-1");       // committed during the read
        var woken = Signal.WaitAsync(next, TimeSpan.FromSeconds(30), CancellationToken.None);

        Assert.Same(woken, await Task.WhenAny(woken, Task.Delay(TimeSpan.FromSeconds(10))));
    }
}
