using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;
using EscalationHub.Contracts.Messages;
using EscalationHub.Server.Operations;
using EscalationHub.Server.Store;

namespace EscalationHub.Server.Messaging;

public static class Outbox
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>Adds a message for one agency's queue to the unit of work: it is sent only if the change commits.</summary>
    public static void Enqueue<T>(this HubDbContext db, string destinationQueue, T message, DateTimeOffset now) where T : class =>
        Enqueue(db, destinationQueue, message, Guid.CreateVersion7(now), now);

    /// <summary>As above, under a message id the hub can find again (e.g. the concern message an agency's reply answers).</summary>
    public static void Enqueue<T>(this HubDbContext db, string destinationQueue, T message, Guid messageId, DateTimeOffset now) where T : class
    {
        var row = new OutboxMessage
        {
            MessageId = messageId,
            Destination = destinationQueue,
            MessageType = typeof(T).FullName!,
            Body = JsonSerializer.Serialize(message, Json),
            CreatedAt = now,
            TraceParent = Activity.Current?.Id,
        };
        db.Insert(row);
        FlowRecorder.RecordQueued(db, row.MessageId, row.MessageType, destinationQueue, message, now);
    }

    internal static Type ResolveType(string messageType) =>
        typeof(ConcernRaised).Assembly.GetType(messageType, throwOnError: true)!;

    internal static object Deserialize(OutboxMessage row, Type type) =>
        JsonSerializer.Deserialize(row.Body, type, Json)!;
}
