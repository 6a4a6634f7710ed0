using EscalationHub.Messaging;

namespace EscalationHub.Server.Tests;

/// <summary>The consumer watchdog's decision: when a queue of the process has gone without a consumer on the broker
/// long enough to mean the bus stopped consuming without knowing it.</summary>
public sealed class ConsumerWatchTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 5, 9, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(30);

    private static (string, int)[] Agency(int consumers) => [("agency.uhl-health", consumers)];

    [Fact]
    public void A_queue_without_a_consumer_for_less_than_the_window_is_left_alone_as_a_bus_reconnecting()
    {
        var watch = new ConsumerWatch(Window);

        Assert.Equal(ConsumerWatchAction.None, watch.Observe(T0, Agency(0)));
        Assert.Equal(ConsumerWatchAction.None, watch.Observe(T0.AddSeconds(29), Agency(0)));
        Assert.Empty(watch.Stalled);
    }

    [Fact]
    public void A_queue_without_a_consumer_for_the_whole_window_restarts_the_bus_and_names_the_queue()
    {
        var watch = new ConsumerWatch(Window);
        watch.Observe(T0, [("agency.uhl-health", 0), ("hub.inbound", 1)]);

        Assert.Equal(ConsumerWatchAction.RestartBus, watch.Observe(T0.AddSeconds(30), [("agency.uhl-health", 0), ("hub.inbound", 1)]));
        Assert.Equal(["agency.uhl-health"], watch.Stalled);
    }

    [Fact]
    public void A_consumer_that_comes_back_inside_the_window_starts_the_count_again()
    {
        var watch = new ConsumerWatch(Window);
        watch.Observe(T0, Agency(0));
        watch.Observe(T0.AddSeconds(20), Agency(1));

        Assert.Equal(ConsumerWatchAction.None, watch.Observe(T0.AddSeconds(40), Agency(0)));
        Assert.Equal(ConsumerWatchAction.RestartBus, watch.Observe(T0.AddSeconds(70), Agency(0)));
    }

    [Fact]
    public void While_the_broker_does_not_answer_nothing_is_counted_against_the_bus()
    {
        var watch = new ConsumerWatch(Window);
        watch.Observe(T0, Agency(0));
        watch.BrokerUnreachable();

        Assert.Equal(ConsumerWatchAction.None, watch.Observe(T0.AddSeconds(45), Agency(0)));
        Assert.Equal(ConsumerWatchAction.RestartBus, watch.Observe(T0.AddSeconds(75), Agency(0)));
    }

    [Fact]
    public void Two_restarts_that_do_not_bring_the_consumer_back_end_in_an_exit_for_the_supervisor()
    {
        var watch = new ConsumerWatch(Window, restartsBeforeExit: 2);
        var now = T0;
        var actions = new List<ConsumerWatchAction>();
        for (var look = 0; look < 8; look++, now = now.AddSeconds(30))
        {
            var action = watch.Observe(now, Agency(0));
            if (action != ConsumerWatchAction.None) actions.Add(action);
        }

        Assert.Equal([ConsumerWatchAction.RestartBus, ConsumerWatchAction.RestartBus, ConsumerWatchAction.Exit], actions.Take(3));
    }

    [Fact]
    public void A_restart_that_brings_the_consumer_back_clears_the_count_of_restarts()
    {
        var watch = new ConsumerWatch(Window, restartsBeforeExit: 1);
        watch.Observe(T0, Agency(0));
        Assert.Equal(ConsumerWatchAction.RestartBus, watch.Observe(T0.AddSeconds(30), Agency(0)));
        watch.Observe(T0.AddSeconds(40), Agency(1));

        watch.Observe(T0.AddMinutes(5), Agency(0));
        Assert.Equal(ConsumerWatchAction.RestartBus, watch.Observe(T0.AddMinutes(5).AddSeconds(30), Agency(0)));
    }
}
