using EscalationHub.Contracts.Messages;
using EscalationHub.Messaging;
using EscalationHub.Server.Agencies;
using EscalationHub.Server.Store;
using MassTransit;
using Microsoft.EntityFrameworkCore;

namespace EscalationHub.Server.Operations;

/// <summary>What the hub last heard from an agency's adapter.</summary>
public sealed class AdapterStatus
{
    public required string AgencyCode { get; init; }
    public required string Version { get; set; }
    public DateTimeOffset LastHeartbeatAt { get; set; }
    public TimeSpan Interval { get; set; }
    public DateTimeOffset? LastAcknowledgementAt { get; set; }
}

public sealed record AdapterView(string AgencyCode, string Version, DateTimeOffset LastHeartbeatAt, TimeSpan Interval,
    bool Silent, TimeSpan SilentFor, DateTimeOffset? LastAcknowledgementAt);

/// <summary>An adapter is silent when nothing has been heard from it for longer than its interval plus
/// Operations:HeartbeatGrace (default 5 s, for a beat a little late on the wire).</summary>
public sealed class ListAdapters(HubDbContext db, IConfiguration configuration, TimeProvider clock)
{
    public async Task<IReadOnlyList<AdapterView>> HandleAsync(string? agencyCode, CancellationToken cancellationToken)
    {
        var grace = configuration.GetValue("Operations:HeartbeatGrace", TimeSpan.FromSeconds(5));
        var now = clock.GetUtcNow();
        var query = db.AdapterStatuses.AsNoTracking();
        if (!string.IsNullOrEmpty(agencyCode)) query = query.Where(a => a.AgencyCode == agencyCode);
        var rows = await query.ToListAsync(cancellationToken);
        return rows.OrderBy(a => a.AgencyCode, StringComparer.Ordinal)
            .Select(a => new AdapterView(a.AgencyCode, a.Version, a.LastHeartbeatAt, a.Interval,
                now - a.LastHeartbeatAt > a.Interval + grace, now - a.LastHeartbeatAt, a.LastAcknowledgementAt))
            .ToList();
    }
}

/// <summary>Keeps the last heartbeat of each registered agency's adapter. Heartbeats are state, not history:
/// the newest wins, a late one changes nothing. Written through the group commit (the store's single writer), like every other change.</summary>
public sealed class AdapterHeartbeatConsumer(HubDbContext db, HubUnitOfWork unitOfWork, AgencyDirectory agencies) : IConsumer<AdapterHeartbeat>
{
    public async Task Consume(ConsumeContext<AdapterHeartbeat> context)
    {
        var beat = context.Message;
        if (agencies.Find(beat.AgencyCode) is null)
            throw new RefusedMessageException($"heartbeat from unknown agency '{beat.AgencyCode}'");
        await unitOfWork.ExecuteAsync(async ct =>
        {
            var row = await db.AdapterStatuses.SingleOrDefaultAsync(a => a.AgencyCode == beat.AgencyCode, ct);
            if (row is null)
                db.AdapterStatuses.Add(row = new AdapterStatus { AgencyCode = beat.AgencyCode, Version = beat.Version });
            else if (row.LastHeartbeatAt >= beat.At)
                return;
            row.Version = FlowEvent.Truncate(beat.Version, 50)!;
            row.LastHeartbeatAt = beat.At;
            row.Interval = beat.Interval;
            await db.SaveChangesAsync(ct);
        }, context.CancellationToken);
    }
}

/// <summary>An adapter applied a message the hub sent: the flow event is acknowledged.</summary>
public sealed class MessageDeliveredConsumer(HubDbContext db, HubUnitOfWork unitOfWork, AgencyDirectory agencies, FlowSignal flow, TimeProvider clock)
    : IConsumer<MessageDelivered>
{
    public async Task Consume(ConsumeContext<MessageDelivered> context)
    {
        var receipt = context.Message;
        if (agencies.Find(receipt.AgencyCode) is null)
            throw new RefusedMessageException($"receipt from unknown agency '{receipt.AgencyCode}'");
        var now = clock.GetUtcNow();
        // One unit of the group commit (the store's single writer), not two commits of its own.
        await unitOfWork.ExecuteAsync(async ct =>
        {
            await FlowRecorder.MarkAcknowledgedAsync(db, receipt.MessageId, receipt.AgencyCode, receipt.AppliedAt, now, ct);
            await db.AdapterStatuses.Where(a => a.AgencyCode == receipt.AgencyCode)
                .ExecuteUpdateAsync(s => s.SetProperty(a => a.LastAcknowledgementAt, receipt.AppliedAt), ct);
        }, context.CancellationToken);
        flow.Changed.Notify();
    }
}
