using System.Security.Cryptography;
using System.Text;

namespace EscalationHub.Adapters.Runtime;

/// <summary>The id of a message an adapter sends because of a message it received. Derived, not random: if the
/// adapter crashes after sending and before recording, the redelivered cause produces the same ids, and the
/// hub's inbox recognises the resend.</summary>
public static class DeterministicId
{
    public static Guid For(Guid cause, string purpose) => Hash($"{cause:N}/{purpose}");

    /// <summary>The id of a command an agency system sent under its own id: the same command posted twice goes to the
    /// hub under the same message id, and the hub's inbox applies it once.</summary>
    public static Guid ForCommand(string agencyCode, string commandId) => Hash($"command/{agencyCode}/{commandId}");

    private static Guid Hash(string text)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(text), hash);
        var bytes = hash[..16];
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x80); // RFC 9562 version 8 (custom)
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80); // RFC 4122 variant
        return new Guid(bytes, bigEndian: true);
    }
}
