using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using EscalationHub.Messaging;
using EscalationHub.Server.Store;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;

namespace EscalationHub.Server.Operations;

/// <summary>With a broker, adapters run as their own processes and park what they cannot apply in their own
/// <c>agency.x_error</c> queue, out of the hub's sight. This scanner reads every <c>*_error</c> queue through the
/// RabbitMQ management HTTP API (Operations:RabbitMqManagement; peeking, the messages stay queued) every
/// Operations:DeadLetterScanInterval (5 s) and records each message not yet known as a <see cref="DeadLetter"/>, with
/// the reason MassTransit put in its MT-Fault-* headers. So operators list and redrive one table, whatever the transport.</summary>
public sealed class BrokerDeadLetterScanner(
    IServiceScopeFactory scopes, IOptions<BusSettings> bus, IConfiguration configuration, IHttpClientFactory http, FlowSignal flow,
    TimeProvider clock, ILogger<BrokerDeadLetterScanner> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var management = configuration["Operations:RabbitMqManagement"];
        if (!bus.Value.UsesBroker || string.IsNullOrWhiteSpace(management)) return;
        var interval = configuration.GetValue("Operations:DeadLetterScanInterval", TimeSpan.FromSeconds(5));
        using var timer = new PeriodicTimer(interval, clock);
        do
        {
            try
            {
                await ScanAsync(new Uri(management), stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(ex, "Could not read the error queues from the RabbitMQ management API");
            }
        } while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private async Task ScanAsync(Uri management, CancellationToken cancellationToken)
    {
        var broker = new Uri(bus.Value.RabbitMq!);
        var vhost = Uri.EscapeDataString(Uri.UnescapeDataString(broker.AbsolutePath.TrimStart('/')) is { Length: > 0 } v ? v : "/");
        var client = http.CreateClient("rabbitmq-management");
        var root = new Uri(management.GetLeftPart(UriPartial.Authority));
        if (management.UserInfo != "")
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
                Convert.ToBase64String(Encoding.UTF8.GetBytes(Uri.UnescapeDataString(management.UserInfo))));

        using var queues = JsonDocument.Parse(await client.GetStringAsync(new Uri(root, $"/api/queues/{vhost}?columns=name,messages"), cancellationToken));
        foreach (var queue in queues.RootElement.EnumerateArray())
        {
            var name = queue.GetProperty("name").GetString()!;
            if (!name.EndsWith("_error", StringComparison.Ordinal) || !(queue.TryGetProperty("messages", out var m) && m.GetInt64() > 0)) continue;

            using var response = await client.PostAsJsonAsync(new Uri(root, $"/api/queues/{vhost}/{Uri.EscapeDataString(name)}/get"),
                new { count = 500, ackmode = "ack_requeue_true", encoding = "auto", truncate = 1_000_000 }, cancellationToken);
            response.EnsureSuccessStatusCode();
            using var messages = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
            var recorded = 0;
            foreach (var message in messages.RootElement.EnumerateArray())
                if (await RecordAsync(name, message, cancellationToken)) recorded++;
            if (recorded > 0) flow.Changed.Notify();
        }
    }

    private async Task<bool> RecordAsync(string errorQueue, JsonElement message, CancellationToken cancellationToken)
    {
        var properties = message.GetProperty("properties");
        if (!properties.TryGetProperty("message_id", out var idElement) || !Guid.TryParse(idElement.GetString(), out var messageId)) return false;
        var headers = properties.TryGetProperty("headers", out var h) ? h : default;
        string Header(string name) => headers.ValueKind == JsonValueKind.Object && headers.TryGetProperty(name, out var value)
            ? value.ValueKind == JsonValueKind.String ? value.GetString() ?? "" : value.ToString() : "";

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<HubDbContext>();
        if (await db.DeadLetters.AnyAsync(d => d.MessageId == messageId && d.ErrorQueue == errorQueue && d.RedrivenAt == null, cancellationToken))
            return false;
        // A copy parked before a redrive the hub could not take it out for (no read permission on that error queue)
        // is the failure already redriven, not a new one.
        if (DateTimeOffset.TryParse(Header("MT-Fault-Timestamp"), System.Globalization.CultureInfo.InvariantCulture,
                System.Globalization.DateTimeStyles.AssumeUniversal, out var faultedAt)
            && await db.DeadLetters.AnyAsync(d => d.MessageId == messageId && d.ErrorQueue == errorQueue && d.RedrivenAt >= faultedAt, cancellationToken))
            return false;

        var payload = message.GetProperty("payload").GetString() ?? "";
        if (message.TryGetProperty("payload_encoding", out var encoding) && encoding.GetString() == "base64")
            payload = Encoding.UTF8.GetString(Convert.FromBase64String(payload));
        var envelope = Envelopes.Read(payload);
        var queue = errorQueue[..^"_error".Length];
        var now = clock.GetUtcNow();
        var reason = FlowEvent.Truncate(Header("MT-Fault-Message") is { Length: > 0 } fault ? fault : "moved to the error queue (no reason given)")!;
        var exceptionType = Header("MT-Fault-ExceptionType");
        var reference = envelope.Message is { } body ? await FlowMessages.ReferenceAsync(db, body, cancellationToken) : null;

        db.DeadLetters.Add(new DeadLetter
        {
            Id = Guid.CreateVersion7(now),
            MessageId = messageId,
            MessageType = envelope.ShortType,
            Queue = queue,
            ErrorQueue = errorQueue,
            Reason = reason,
            ExceptionType = exceptionType[(exceptionType.LastIndexOf('.') + 1)..],
            FailedAt = now,
            Envelope = payload,
            CaseReference = reference,
        });
        await db.SaveChangesAsync(cancellationToken);
        await db.FlowEvents.Where(f => f.MessageId == messageId && f.Status != FlowStatus.DeadLettered).ExecuteUpdateAsync(s => s
            .SetProperty(f => f.Status, FlowStatus.DeadLettered)
            .SetProperty(f => f.Error, reason)
            .SetProperty(f => f.UpdatedAt, now), cancellationToken);
        HubTelemetry.MessagesDeadLettered.Add(1, new KeyValuePair<string, object?>("queue", queue));
        logger.LogWarning("{MessageType} {MessageId} found in {ErrorQueue}: {Reason}", envelope.ShortType, messageId, errorQueue, reason);
        return true;
    }
}

/// <summary>Takes one message out of a RabbitMQ error queue once its redrive has been sent, so the broker does not keep a
/// stale copy. The messages before it are held unacknowledged while it is found and go back to the queue when the
/// channel closes; the message itself is acknowledged only after the redrive was sent, so a crash leaves it parked.</summary>
public sealed class ErrorQueueCleaner(IOptions<BusSettings> bus, ILogger<ErrorQueueCleaner> logger)
{
    public async Task<IAsyncDisposable?> HoldAsync(string errorQueue, Guid messageId, CancellationToken cancellationToken)
    {
        if (!bus.Value.UsesBroker) return null;
        var connection = await BrokerConnection.From(bus.Value).ConnectAsync("escalationhub-redrive", cancellationToken);
        var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
        try
        {
            var count = await channel.MessageCountAsync(errorQueue, cancellationToken);
            for (var i = 0; i < count; i++)
            {
                var delivery = await channel.BasicGetAsync(errorQueue, autoAck: false, cancellationToken);
                if (delivery is null) break;
                if (delivery.BasicProperties.MessageId == messageId.ToString())
                    return new Held(connection, channel, delivery.DeliveryTag);
            }
            logger.LogInformation("{MessageId} is no longer in {ErrorQueue}", messageId, errorQueue);
        }
        catch (RabbitMQ.Client.Exceptions.OperationInterruptedException ex)
        {
            logger.LogInformation("Could not look in {ErrorQueue}: {Reason}", errorQueue, ex.Message);
        }
        await channel.DisposeAsync();
        await connection.DisposeAsync();
        return null;
    }

    /// <summary>Dispose after the redrive was sent: acknowledges (removes) the held message, returns the others.</summary>
    public sealed class Held(IConnection connection, IChannel channel, ulong deliveryTag) : IAsyncDisposable
    {
        public bool Sent { get; set; }

        public async ValueTask DisposeAsync()
        {
            if (Sent) await channel.BasicAckAsync(deliveryTag, multiple: false);
            await channel.CloseAsync();
            await channel.DisposeAsync();
            await connection.DisposeAsync();
        }
    }
}
