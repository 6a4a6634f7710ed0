using System.Text;
using System.Text.Json;
using EscalationHub.Contracts.Messages;
using EscalationHub.Server.Messaging;
using EscalationHub.Server.Store;
using MassTransit;
using Microsoft.EntityFrameworkCore;

namespace EscalationHub.Server.Operations;

/// <summary>Sits in the error pipe of every receive endpoint hosted in the hub's process: when a message has
/// exhausted its retries (or was refused), it is recorded as a <see cref="DeadLetter"/> and its flow event marked
/// dead-lettered, then MassTransit moves it to the _error queue as before. Recording never stops the move.</summary>
public sealed class DeadLetterFilter(IServiceScopeFactory scopes, FlowSignal flow, TimeProvider clock, ILogger<DeadLetterFilter> logger)
    : IFilter<ExceptionReceiveContext>
{
    public async Task Send(ExceptionReceiveContext context, IPipe<ExceptionReceiveContext> next)
    {
        try
        {
            await RecordAsync(context);
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Could not record a dead letter from {Queue}; it is still moved to the error queue", context.InputAddress);
        }
        await next.Send(context);
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("escalationhub-dead-letters");

    private async Task RecordAsync(ExceptionReceiveContext context)
    {
        var queue = context.InputAddress.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries).Last();
        var envelopeJson = Encoding.UTF8.GetString(context.Body.GetBytes());
        var envelope = Envelopes.Read(envelopeJson);
        var messageId = context.GetMessageId() ?? envelope.MessageId ?? Guid.NewGuid();
        var now = clock.GetUtcNow();
        var reason = FlowEvent.Truncate(context.Exception.GetBaseException().Message)!;

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<HubDbContext>();
        var row = await db.FlowEvents.SingleOrDefaultAsync(f => f.MessageId == messageId);
        if (row is null)
        {
            row = new FlowEvent
            {
                MessageId = messageId,
                MessageType = envelope.ShortType,
                FromAgency = envelope.Message is { } m ? FlowMessages.Sender(m) ?? "unknown" : "unknown",
                ToAgency = FlowMessages.AgencyOfQueue(queue),
                CaseReference = envelope.Message is { } msg ? await FlowMessages.ReferenceAsync(db, msg, CancellationToken.None) : null,
                SentAt = envelope.SentTime,
                DeliveredAt = now,
                RecordedAt = now,
            };
            db.FlowEvents.Add(row);
        }
        row.Status = FlowStatus.DeadLettered;
        row.Error = reason;
        row.UpdatedAt = now;

        db.DeadLetters.Add(new DeadLetter
        {
            Id = Guid.CreateVersion7(now),
            MessageId = messageId,
            MessageType = envelope.ShortType,
            Queue = queue,
            ErrorQueue = queue + "_error",
            Reason = reason,
            ExceptionType = context.Exception.GetBaseException().GetType().Name,
            FailedAt = now,
            Envelope = envelopeJson,
            CaseReference = row.CaseReference,
        });
        await db.SaveChangesAsync();
        flow.Changed.Notify();
        HubTelemetry.MessagesDeadLettered.Add(1, new KeyValuePair<string, object?>("queue", queue));
        logger.LogWarning("{MessageType} {MessageId} on {Queue} dead-lettered: {Reason}", envelope.ShortType, messageId, queue, reason);
    }
}

/// <summary>Reads MassTransit's JSON envelope: message id, type and the message as a contract record.</summary>
public static class Envelopes
{
    public sealed record Envelope(Guid? MessageId, string ShortType, Type? ClrType, object? Message, DateTimeOffset? SentTime);

    public static Envelope Read(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            Guid? id = root.TryGetProperty("messageId", out var idElement) && Guid.TryParse(idElement.GetString(), out var g) ? g : null;
            DateTimeOffset? sent = root.TryGetProperty("sentTime", out var sentElement) && sentElement.TryGetDateTimeOffset(out var s) ? s : null;
            var urn = root.TryGetProperty("messageType", out var types) && types.ValueKind == JsonValueKind.Array && types.GetArrayLength() > 0
                ? types[0].GetString() ?? "" : "";
            var shortType = urn[(urn.LastIndexOf(':') + 1)..];
            var type = shortType == "" ? null : typeof(ConcernRaised).Assembly.GetType($"{typeof(ConcernRaised).Namespace}.{shortType}");
            var message = type is not null && root.TryGetProperty("message", out var body) ? body.Deserialize(type, Outbox.Json) : null;
            return new Envelope(id, shortType == "" ? "unknown" : shortType, type, message, sent);
        }
        catch (JsonException)
        {
            return new Envelope(null, "unreadable", null, null, null);
        }
    }
}
