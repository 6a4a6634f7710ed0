using EscalationHub.Adapters.Runtime;
using EscalationHub.Contracts.Messages;
using MassTransit;

namespace EscalationHub.Adapters.SocialCare;

/// <summary>A referral addressed to this local authority: acknowledge receipt, then return the decision.</summary>
public sealed class ConcernRaisedConsumer(
    AgencyAdapters adapters,
    HubSender hub,
    SimulatedSocialCareSystem caseSystem,
    TimeProvider clock,
    ILogger<ConcernRaisedConsumer> logger) : IConsumer<ConcernRaised>
{
    public async Task Consume(ConsumeContext<ConcernRaised> context)
    {
        var adapter = adapters.For(context);
        var messageId = context.MessageId!.Value;
        if (await adapter.Inbox.HasProcessedAsync(messageId, context.CancellationToken))
        {
            logger.LogInformation("{Agency}: concern {Reference} was already handled; ignoring the redelivery", adapter.AgencyCode, context.Message.Reference);
            return;
        }

        caseSystem.EnsureAvailable();
        var concern = context.Message;
        await hub.SendAsync(adapter.AgencyCode,
            new AcknowledgeConcern(concern.ConcernId, new ActorRef(adapter.AgencyCode, SimulatedSocialCareSystem.AcknowledgingRole), clock.GetUtcNow()),
            DeterministicId.For(messageId, "acknowledge"), context.CancellationToken);

        var (decision, reason) = caseSystem.Decide(concern);
        await hub.SendAsync(adapter.AgencyCode,
            new DecideConcern(concern.ConcernId, new ActorRef(adapter.AgencyCode, SimulatedSocialCareSystem.DecidingRole), decision, reason, clock.GetUtcNow()),
            DeterministicId.For(messageId, "decide"), context.CancellationToken);

        // Recorded last: a crash before this line redelivers the concern, and the resent replies keep their ids.
        await adapter.Inbox.RecordAsync(messageId, nameof(ConcernRaised), clock.GetUtcNow(), context.CancellationToken);
        logger.LogInformation("{Agency}: concern {Reference} acknowledged and decided: {Decision}", adapter.AgencyCode, concern.Reference, decision);
    }
}
