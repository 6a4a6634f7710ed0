using System.Net;
using EscalationHub.Adapters.Health.Mllp;
using EscalationHub.Adapters.Health.Referrals;

namespace EscalationHub.Adapters.Tests.Mllp;

public class MllpLimitsTests
{
    private static readonly IPAddress Engine = IPAddress.Parse("10.20.1.5");

    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("127.44.0.9", true)]
    [InlineData("::1", true)]
    [InlineData("::ffff:127.0.0.1", true)] // an IPv4 peer on a dual-stack socket
    [InlineData("10.20.1.5", false)]
    [InlineData("::2", false)]
    public void By_default_only_loopback_may_send(string address, bool allowed) =>
        Assert.Equal(allowed, MllpAllowList.Parse(MllpSettings.LoopbackOnly).Allows(IPAddress.Parse(address)));

    [Fact]
    public void Addresses_and_ranges_may_be_listed()
    {
        var list = MllpAllowList.Parse(["10.20.0.0/16", " 192.168.4.7 ", "fd00::/8"]);

        Assert.True(list.Allows(Engine));
        Assert.True(list.Allows(IPAddress.Parse("192.168.4.7")));
        Assert.False(list.Allows(IPAddress.Parse("192.168.4.8")));
        Assert.True(list.Allows(IPAddress.Parse("fd12::1")));
        Assert.False(list.Allows(IPAddress.Parse("127.0.0.1")));
    }

    [Theory]
    [InlineData("hospital.example")]
    [InlineData("10.20.0.1/16")] // host bits set: a typo more likely than a range
    [InlineData("10.20.0.0/33")]
    public void An_entry_that_is_not_an_address_or_range_stops_the_start(string entry)
    {
        var error = Assert.Throws<InvalidOperationException>(() => new MllpSettings { AllowedSenders = [entry] }.Validate());
        Assert.Contains("Mllp:AllowedSenders", error.Message);
    }

    [Fact]
    public void A_burst_passes_then_the_rate_then_nothing_more()
    {
        var limit = new MllpRateLimit(perSecond: 10, burst: 20);
        var at = TimeSpan.FromSeconds(100);

        Assert.Equal(20, Enumerable.Range(0, 50).Count(_ => limit.TryTake(Engine, at)));
        Assert.False(limit.TryTake(Engine, at + TimeSpan.FromMilliseconds(50)));
        Assert.Equal(10, Enumerable.Range(0, 50).Count(_ => limit.TryTake(Engine, at + TimeSpan.FromSeconds(1))));
        // A quiet minute refills the burst, no more.
        Assert.Equal(20, Enumerable.Range(0, 50).Count(_ => limit.TryTake(Engine, at + TimeSpan.FromMinutes(1))));
    }

    [Fact]
    public void Each_sending_address_has_its_own_bucket()
    {
        var limit = new MllpRateLimit(perSecond: 1, burst: 2);
        var at = TimeSpan.FromSeconds(5);

        Assert.Equal(2, Enumerable.Range(0, 5).Count(_ => limit.TryTake(Engine, at)));
        Assert.True(limit.TryTake(IPAddress.Parse("10.20.1.6"), at));
    }
}
