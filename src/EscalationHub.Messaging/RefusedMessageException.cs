namespace EscalationHub.Messaging;

/// <summary>A message that can never be applied (from an agency not entitled to send it, or naming a case that
/// does not exist). It is not retried: it goes straight to the endpoint's error queue with this reason, where
/// operators see it.</summary>
public sealed class RefusedMessageException(string reason) : Exception(reason);
