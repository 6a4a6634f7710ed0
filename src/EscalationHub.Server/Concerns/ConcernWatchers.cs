using EscalationHub.Server.Messaging;

namespace EscalationHub.Server.Concerns;

/// <summary>Wakes the WatchConcern streams of a concern when its status has changed on this hub.</summary>
public sealed class ConcernWatchers
{
    private readonly KeyedSignals<Guid> signals = new();

    public void Notify(Guid concernId) => signals.Notify(concernId);

    public KeyedSignals<Guid>.Lease Watch(Guid concernId) => signals.Watch(concernId);
}
