using EscalationHub.Server.Messaging;

namespace EscalationHub.Server.Operations;

/// <summary>Signalled after flow events have changed, so live views update at once; they also poll, which covers
/// changes committed by another hub replica.</summary>
public sealed class FlowSignal
{
    public Signal Changed { get; } = new();
}
