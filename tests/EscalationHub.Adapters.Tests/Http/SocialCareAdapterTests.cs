using System.Net;
using System.Text;
using EscalationHub.Adapters.Runtime;
using EscalationHub.Adapters.Runtime.AgencySystem;
using EscalationHub.Adapters.SocialCare;
using EscalationHub.Adapters.Tests.Infrastructure;
using EscalationHub.Contracts.Messages;
using Microsoft.Extensions.DependencyInjection;

namespace EscalationHub.Adapters.Tests.Http;

public sealed class SocialCareAdapterTests
{
    private static Task<AdapterTestHost> StartAsync(string? url = null) => AdapterTestHost.StartAsync(
        (builder, section) => builder.AddSocialCareAdapter(section),
        (routes, settings) => routes.MapSocialCareAdapter((AdapterSettings)settings),
        new Dictionary<string, string?> { ["Adapter:AgencySystem:Url"] = url });

    [Theory]
    [InlineData(HarmLevel.SignificantHarm, ConcernCategory.Neglect, ConcernDecision.StrategyDiscussion)]
    [InlineData(HarmLevel.Standard, ConcernCategory.PhysicalAbuse, ConcernDecision.MeetsThreshold)]
    [InlineData(HarmLevel.Standard, ConcernCategory.Other, ConcernDecision.MoreInformationRequested)]
    [InlineData(HarmLevel.Standard, ConcernCategory.Neglect, ConcernDecision.EarlyHelp)]
    public async Task The_simulated_front_door_acknowledges_and_decides_in_one_reply_through_the_adapters_interface(HarmLevel harm, ConcernCategory category, ConcernDecision expected)
    {
        await using var host = await StartAsync();
        var concern = Samples.Concern("leics-socialcare", harm: harm, category: category);

        await host.SendToAgencyAsync("leics-socialcare", concern);
        await AdapterTestHost.WaitUntilAsync(() => host.Hub.Received.Count == 1);

        var decided = Assert.IsType<DecideConcern>(Assert.Single(host.Hub.Received).Message);
        Assert.Equal((concern.ConcernId, expected, SimulatedSocialCareSystem.DecidingRole), (decided.ConcernId, decided.Decision, decided.DecidedBy.Role));
        Assert.Equal(new ActorRef("leics-socialcare", SimulatedSocialCareSystem.AcknowledgingRole), decided.AcknowledgedBy);
        Assert.NotNull(decided.AcknowledgedAt);
        var simulator = host.Services.GetRequiredService<AgencyAdapters>().ForAgency("leics-socialcare").Simulator;
        await AdapterTestHost.WaitUntilAsync(async () => (await simulator.AllAsync()).Count == 1); // recorded after answering
        var seen = await simulator.AllAsync();
        Assert.Contains(concern.ConcernId.ToString(), Assert.Single(seen).Body);
    }

    [Fact]
    public async Task A_real_case_system_answers_on_the_documented_interface()
    {
        await using var system = await AgencySystemStub.StartAsync(up: true);
        await using var host = await StartAsync(system.Url);
        var concern = Samples.Concern("leics-socialcare");
        await host.SendToAgencyAsync("leics-socialcare", concern);
        await AdapterTestHost.WaitUntilAsync(() => system.Delivered == 1);

        var response = await host.Http.PostAsync("/responses", new StringContent($$$"""
            {"kind":"concern.decided","concernId":"{{{concern.ConcernId}}}","by":{"role":"Team manager, MASH"},
             "decision":"no-further-action","reason":"Family known; already supported by a child-in-need plan"}
            """, Encoding.UTF8, "application/json"));
        await AdapterTestHost.WaitUntilAsync(() => !host.Hub.Received.IsEmpty);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var decided = Assert.Single(host.Hub.Of<DecideConcern>());
        Assert.Equal((ConcernDecision.NoFurtherAction, "leics-socialcare"), (decided.Decision, decided.DecidedBy.AgencyCode));
    }
}
