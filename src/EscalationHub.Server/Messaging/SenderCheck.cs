using EscalationHub.Contracts.Messages;
using EscalationHub.Messaging;
using EscalationHub.Server.Operations;
using MassTransit;

namespace EscalationHub.Server.Messaging;

/// <summary>
/// Bus-side authorization, before any consumer runs: a command to the hub may act only for the agency that sent it.
/// On a broker the sender is the agency whose inbound exchange the message was published to (hub.inbound.&lt;code&gt;):
/// the broker lets only that agency's user write there, and reports the exchange a message was published to with
/// every delivery, whatever exchange bindings carried it on. A message published to hub.inbound itself came from the
/// hub's own user (a redrive; no agency may write there). In the in-memory transport of the embedded default there
/// are no credentials and every sender is in the hub's process: the in-process adapters name the agency they send for
/// in the <see cref="AgencyHeader"/> header (<c>HubSender</c>), which must then match too. A mismatch is refused
/// (<see cref="RefusedMessageException"/>: straight to the error queue with the reason, recorded as a dead letter for
/// operators, never applied, never redriven). Whether the agency is party to the case the command touches is checked
/// by each handler, as for the same command over gRPC.
/// </summary>
public sealed class SenderCheckFilter<T>(ILogger<SenderCheckFilter<T>> logger) : IFilter<ConsumeContext<T>> where T : class
{
    public async Task Send(ConsumeContext<T> context, IPipe<ConsumeContext<T>> next)
    {
        if (SenderCheck.Refusal(context.Message, SenderCheck.SentThrough(context.ReceiveContext), context.Headers.Get<string>(SenderCheck.AgencyHeader))
            is { } reason)
        {
            HubTelemetry.CommandsRefused.Add(1, new KeyValuePair<string, object?>("message.type", typeof(T).Name));
            logger.LogWarning("Refused {MessageType} {MessageId}: {Reason}", typeof(T).Name, context.MessageId, reason);
            throw new RefusedMessageException(reason);
        }
        await next.Send(context);
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("escalationhub-sender-check");
}

public static class SenderCheck
{
    /// <summary>The agency an in-process adapter sends for (in-memory transport only; ignored when a broker exchange says who sent).</summary>
    public const string AgencyHeader = "EscalationHub-Agency";

    /// <summary>Every refusal starts so: a dead letter refused for it is never redriven (it can never become right).</summary>
    public const string ReasonPrefix = "sender mismatch: ";

    /// <summary>The agency a message to the hub acts for, by type; null when the type is unknown or names none.</summary>
    public static string? ActingAgency(object message) => message switch
    {
        RaiseConcern m => m.RaisedBy?.AgencyCode,
        AcknowledgeConcern m => m.AcknowledgedBy?.AgencyCode,
        DecideConcern m => m.DecidedBy?.AgencyCode,
        OpenDisagreement m => m.RaisedBy?.AgencyCode,
        RecordDiscussion m => m.By?.AgencyCode,
        ApproveDisagreementRecord m => m.By?.AgencyCode,
        EscalateDisagreement m => m.By?.AgencyCode,
        ResolveDisagreement m => m.By?.AgencyCode,
        DecideFinalOutcome m => m.By?.AgencyCode,
        GiveFeedback m => m.By?.AgencyCode,
        RecordLearning m => m.By?.AgencyCode,
        CloseDisagreement m => m.By?.AgencyCode,
        ApproveRecord m => m.ApprovedBy?.AgencyCode,
        RegisterAgencyKey m => m.AgencyCode,
        LedgerMismatchDetected m => m.AgencyCode,
        MessageDelivered m => m.AgencyCode,
        AdapterHeartbeat m => m.AgencyCode,
        _ => null,
    };

    /// <summary>The exchange a message was published to, on RabbitMQ; null on the in-memory transport.</summary>
    public static string? SentThrough(ReceiveContext receive) =>
        receive.TryGetPayload<RabbitMqBasicConsumeContext>(out var delivery) ? delivery.Exchange : null;

    /// <returns>Why the message must be refused, or null when its sender may act for the agency it names.</returns>
    public static string? Refusal(object message, string? sentThrough, string? agencyHeader)
    {
        var type = message.GetType().Name;
        var acting = ActingAgency(message);
        if (acting is null or "") return $"{ReasonPrefix}cannot tell which agency the {type} acts for";
        var inboundPrefix = Addresses.HubInbound + ".";
        if (sentThrough is not null && sentThrough.StartsWith(inboundPrefix, StringComparison.Ordinal))
        {
            var sender = sentThrough[inboundPrefix.Length..];
            return sender == acting ? null : $"{ReasonPrefix}{type} acts for '{acting}' but was sent through {sentThrough}, by '{sender}'";
        }
        if (sentThrough is not null && sentThrough != Addresses.HubInbound)
            return $"{ReasonPrefix}{type} arrived through {sentThrough}, which is no agency's inbound exchange";
        // The hub's own user (broker) or the hub's own process (in-memory): an in-process adapter names its agency.
        if (agencyHeader is not null && agencyHeader != acting)
            return $"{ReasonPrefix}{type} acts for '{acting}' but was sent by the in-process adapter of '{agencyHeader}'";
        return null;
    }
}
