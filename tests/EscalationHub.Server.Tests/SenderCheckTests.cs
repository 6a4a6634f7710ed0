using EscalationHub.Contracts.Messages;
using EscalationHub.Server.Messaging;
using MassTransit;

namespace EscalationHub.Server.Tests;

/// <summary>Which agency a bus command may act for, by the exchange it came through (or, in memory, the in-process
/// adapter that sent it).</summary>
public sealed class SenderCheckTests
{
    private static readonly AcknowledgeConcern AsSocialCare = new(Guid.NewGuid(), new ActorRef("leics-socialcare", "Team manager"), DateTimeOffset.UtcNow);

    [Fact]
    public void A_command_through_its_own_agencys_exchange_is_accepted_and_through_another_agencys_refused()
    {
        Assert.Null(SenderCheck.Refusal(AsSocialCare, "hub.inbound.leics-socialcare", null));
        Assert.StartsWith(SenderCheck.ReasonPrefix, SenderCheck.Refusal(AsSocialCare, "hub.inbound.leics-police", null));
        // A header cannot override what the broker says about the sender.
        Assert.NotNull(SenderCheck.Refusal(AsSocialCare, "hub.inbound.leics-police", "leics-socialcare"));
    }

    [Fact]
    public void The_hubs_own_exchange_and_the_in_memory_transport_trust_the_in_process_adapters_header_only_when_it_matches()
    {
        Assert.Null(SenderCheck.Refusal(AsSocialCare, "hub.inbound", null)); // the hub's own user: a redrive
        Assert.Null(SenderCheck.Refusal(AsSocialCare, null, "leics-socialcare"));
        Assert.NotNull(SenderCheck.Refusal(AsSocialCare, null, "leics-police"));
        Assert.NotNull(SenderCheck.Refusal(AsSocialCare, "agency.leics-socialcare", null)); // no agency's inbound exchange
    }

    [Fact]
    public void A_command_that_names_no_agency_is_refused()
    {
        Assert.NotNull(SenderCheck.Refusal(AsSocialCare with { AcknowledgedBy = null! }, "hub.inbound.leics-socialcare", null));
        Assert.NotNull(SenderCheck.Refusal(new ConcernAccepted("k", Guid.NewGuid(), "CN-1", "CF-1", DateTimeOffset.UtcNow), "hub.inbound", null));
    }

    [Fact]
    public void Every_message_the_hubs_consumers_take_names_the_agency_it_acts_for()
    {
        var consumed = typeof(SenderCheckFilter<>).Assembly.GetTypes()
            .SelectMany(t => t.GetInterfaces())
            .Where(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IConsumer<>))
            .Select(i => i.GetGenericArguments()[0])
            .Where(t => t.Namespace == typeof(AcknowledgeConcern).Namespace)
            .Distinct()
            .ToList();

        Assert.NotEmpty(consumed);
        Assert.All(consumed, type => Assert.True(SenderCheckHasCase(type), $"{type.Name} is not in SenderCheck.ActingAgency"));
    }

    // A default instance has null members, so ActingAgency answers null for a mapped type too: look for the type in the
    // switch by giving it an instance whose agency fields are filled in.
    private static bool SenderCheckHasCase(Type type)
    {
        var constructor = type.GetConstructors().OrderByDescending(c => c.GetParameters().Length).First();
        var arguments = constructor.GetParameters().Select(p => Sample(p.ParameterType)).ToArray();
        return SenderCheck.ActingAgency(constructor.Invoke(arguments)) == "x";
    }

    private static object? Sample(Type type) =>
        type == typeof(string) ? "x"
        : type == typeof(ActorRef) ? new ActorRef("x", "role")
        : type.IsValueType ? Activator.CreateInstance(type)
        : null;
}
