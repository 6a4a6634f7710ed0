using EscalationHub.Server.Store;
using Microsoft.EntityFrameworkCore;

namespace EscalationHub.Server.Operations;

public sealed record FlowFilter(string? Agency = null, string? MessageType = null, FlowStatus? Status = null,
    DateTimeOffset? Since = null, DateTimeOffset? Until = null)
{
    public IQueryable<FlowEvent> Apply(IQueryable<FlowEvent> query)
    {
        if (!string.IsNullOrEmpty(Agency)) query = query.Where(f => f.FromAgency == Agency || f.ToAgency == Agency);
        if (!string.IsNullOrEmpty(MessageType)) query = query.Where(f => f.MessageType == MessageType);
        if (Status is { } status) query = query.Where(f => f.Status == status);
        if (Since is { } since) query = query.Where(f => f.RecordedAt >= since);
        if (Until is { } until) query = query.Where(f => f.RecordedAt < until);
        return query;
    }
}

/// <summary>Reads the flow: a page of events, newest first, and the changes since a cursor for live views.</summary>
public sealed class FlowQueries(HubDbContext db)
{
    public Task<List<FlowEvent>> ListAsync(FlowFilter filter, int limit, CancellationToken cancellationToken) =>
        filter.Apply(db.FlowEvents.AsNoTracking()).OrderByDescending(f => f.RecordedAt).ThenByDescending(f => f.Id)
            .Take(Math.Clamp(limit, 1, 1000)).ToListAsync(cancellationToken);

    /// <summary>Events changed at or after <paramref name="since"/>, oldest change first.</summary>
    public Task<List<FlowEvent>> ChangedSinceAsync(FlowFilter filter, DateTimeOffset since, CancellationToken cancellationToken) =>
        filter.Apply(db.FlowEvents.AsNoTracking()).Where(f => f.UpdatedAt >= since).OrderBy(f => f.UpdatedAt).Take(1000)
            .ToListAsync(cancellationToken);
}

/// <summary>Follows the flow for one watcher: everything changed since its cursor, each change once. Transactions
/// commit out of order, so each read looks back a little before the cursor and skips changes already seen.</summary>
public sealed class FlowFollower(FlowFilter filter, DateTimeOffset start)
{
    private static readonly TimeSpan LookBack = TimeSpan.FromSeconds(5);
    private readonly Dictionary<(Guid, long), DateTimeOffset> seen = [];
    private DateTimeOffset cursor = start;

    public async Task<IReadOnlyList<FlowEvent>> NextAsync(FlowQueries queries, CancellationToken cancellationToken)
    {
        var changed = await queries.ChangedSinceAsync(filter, cursor - LookBack, cancellationToken);
        var fresh = new List<FlowEvent>();
        foreach (var row in changed)
        {
            if (!seen.TryAdd((row.MessageId, row.UpdatedAt.UtcTicks + (long)row.Status), row.UpdatedAt)) continue;
            fresh.Add(row);
            if (row.UpdatedAt > cursor) cursor = row.UpdatedAt;
        }
        foreach (var key in seen.Where(s => s.Value < cursor - LookBack - LookBack).Select(s => s.Key).ToList())
            seen.Remove(key);
        return fresh;
    }
}
