using EscalationHub.Contracts.Messages;
using MassTransit;
using Microsoft.Extensions.Logging;

namespace EscalationHub.Adapters.Runtime;

/// <summary>What the hub tells a party about a disagreement: each event, a deadline that is near, a command of ours it
/// refused. Recorded once in the adapter's inbox; agency-specific adapters pass it on to their case system.</summary>
public sealed class DisagreementNoticeConsumer(AgencyAdapters adapters, TimeProvider clock, ILogger<DisagreementNoticeConsumer> logger)
    : IConsumer<DisagreementNotice>, IConsumer<DeadlineApproaching>, IConsumer<DisagreementCommandRefused>
{
    public async Task Consume(ConsumeContext<DisagreementNotice> context)
    {
        var n = context.Message;
        if (await RecordAsync(context) is { } agency)
            logger.Log(n.Urgent || n.Automatic ? LogLevel.Warning : LogLevel.Information,
                "{Agency}: disagreement {DisagreementId} #{Sequence} {EventType}: {Description} (expected role: {Role})",
                agency, n.DisagreementId, n.Sequence, n.EventType, n.Description, n.ExpectedRole);
    }

    public async Task Consume(ConsumeContext<DeadlineApproaching> context)
    {
        var n = context.Message;
        if (await RecordAsync(context) is { } agency)
            logger.LogWarning("{Agency}: disagreement {DisagreementId} stage {Stage} is due {DeadlineAt:u} ({Rule})", agency, n.DisagreementId, n.Stage, n.DeadlineAt, n.DeadlineRule);
    }

    public async Task Consume(ConsumeContext<DisagreementCommandRefused> context)
    {
        var n = context.Message;
        if (await RecordAsync(context) is { } agency)
            logger.LogWarning("{Agency}: {Command} on disagreement {DisagreementId} refused by the hub: {Reason}", agency, n.Command, n.DisagreementId, n.Reason);
    }

    private async Task<string?> RecordAsync<T>(ConsumeContext<T> context) where T : class
    {
        var adapter = adapters.For(context);
        return await adapter.Inbox.RecordAsync(context.MessageId!.Value, typeof(T).Name, clock.GetUtcNow(), context.CancellationToken)
            ? adapter.AgencyCode
            : null;
    }
}
