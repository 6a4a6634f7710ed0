using EscalationHub.Messaging;

namespace EscalationHub.Adapters.Runtime;

/// <summary>The id of a message an adapter sends because of a message it received. Derived, not random: if the
/// adapter crashes after sending and before recording, the redelivered cause produces the same ids, and the
/// hub's inbox recognises the resend.</summary>
public static class DeterministicId
{
    public static Guid For(Guid cause, string purpose) => DerivedId.For(cause, purpose);

    /// <summary>The id of a command an agency system sent under its own id: the same command posted twice goes to the
    /// hub under the same message id, and the hub's inbox applies it once.</summary>
    public static Guid ForCommand(string agencyCode, string commandId) => DerivedId.For($"command/{agencyCode}/{commandId}");
}
