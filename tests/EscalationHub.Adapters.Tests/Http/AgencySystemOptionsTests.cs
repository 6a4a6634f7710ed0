using EscalationHub.Adapters.Runtime.AgencySystem;

namespace EscalationHub.Adapters.Tests.Http;

public class AgencySystemOptionsTests
{
    [Fact]
    public void The_wait_between_attempts_doubles_from_the_initial_backoff_up_to_the_maximum_and_stays_there()
    {
        var options = new AgencySystemOptions { InitialBackoff = TimeSpan.FromSeconds(1), MaxBackoff = TimeSpan.FromMinutes(5) };

        Assert.Equal([1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300],
            Enumerable.Range(1, 11).Select(n => options.BackoffAfter(n).TotalSeconds));
        Assert.Equal(TimeSpan.FromMinutes(5), options.BackoffAfter(10_000));
    }

    [Fact]
    public void Without_a_url_the_simulator_receives_the_deliveries()
    {
        Assert.True(new AgencySystemOptions().UsesSimulator);
        Assert.False(new AgencySystemOptions { Url = "https://cases.example/webhooks" }.UsesSimulator);
    }
}
