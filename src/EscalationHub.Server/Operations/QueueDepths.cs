using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using EscalationHub.Messaging;
using EscalationHub.Server.Store;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace EscalationHub.Server.Operations;

public sealed record QueueDepth(string Queue, long Messages, long Ready, long Unacknowledged, int Consumers);

public sealed record QueueDepths(string Source, string? Note, long OutboxBacklog, IReadOnlyList<QueueDepth> Queues);

/// <summary>Queue depths for the dashboard. With a broker they come from the RabbitMQ management HTTP API
/// (Operations:RabbitMqManagement, e.g. http://monitor:secret@rabbit:15672/; the vhost is the AMQP URI's). The
/// in-memory transport has no such API: the hub then shows its outbox backlog and the dead letters it holds per
/// error queue, which are the depths an operator acts on.</summary>
public sealed class ReadQueueDepths(HubDbContext db, IOptions<BusSettings> bus, IConfiguration configuration, IHttpClientFactory http)
{
    public async Task<QueueDepths> HandleAsync(CancellationToken cancellationToken)
    {
        var backlog = await db.Outbox.CountAsync(o => o.SentAt == null, cancellationToken);
        var management = configuration["Operations:RabbitMqManagement"];
        if (bus.Value.UsesBroker && !string.IsNullOrWhiteSpace(management))
        {
            try
            {
                return new QueueDepths("rabbitmq-management", null, backlog, await FromManagementApiAsync(new Uri(management), cancellationToken));
            }
            catch (Exception ex) when (ex is HttpRequestException or JsonException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                return new QueueDepths("rabbitmq-management", $"the management API did not answer: {ex.Message}", backlog, []);
            }
        }

        var parked = await db.DeadLetters.Where(d => d.RedrivenAt == null).GroupBy(d => d.ErrorQueue)
            .Select(g => new { Queue = g.Key, Count = g.Count() }).ToListAsync(cancellationToken);
        return new QueueDepths("hub", bus.Value.UsesBroker
                ? "set Operations:RabbitMqManagement to read every queue's depth from the broker"
                : "in-memory transport: messages are consumed as they arrive; shown are the dead letters parked per error queue",
            backlog, parked.OrderBy(p => p.Queue, StringComparer.Ordinal).Select(p => new QueueDepth(p.Queue, p.Count, p.Count, 0, 0)).ToList());
    }

    private async Task<IReadOnlyList<QueueDepth>> FromManagementApiAsync(Uri management, CancellationToken cancellationToken)
    {
        var broker = new Uri(bus.Value.RabbitMq!);
        var vhost = Uri.UnescapeDataString(broker.AbsolutePath.TrimStart('/'));
        var client = http.CreateClient("rabbitmq-management");
        client.Timeout = TimeSpan.FromSeconds(5);
        var request = new HttpRequestMessage(HttpMethod.Get, new Uri(new Uri(management.GetLeftPart(UriPartial.Authority)),
            $"/api/queues/{Uri.EscapeDataString(vhost == "" ? "/" : vhost)}?columns=name,messages,messages_ready,messages_unacknowledged,consumers"));
        if (management.UserInfo != "")
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(Uri.UnescapeDataString(management.UserInfo))));
        using var response = await client.SendAsync(request, cancellationToken);
        response.EnsureSuccessStatusCode();
        using var document = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
        return document.RootElement.EnumerateArray()
            .Select(q => new QueueDepth(q.GetProperty("name").GetString()!, Long(q, "messages"), Long(q, "messages_ready"),
                Long(q, "messages_unacknowledged"), (int)Long(q, "consumers")))
            .OrderBy(q => q.Queue, StringComparer.Ordinal).ToList();
    }

    private static long Long(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt64() : 0;
}
