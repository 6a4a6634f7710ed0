using System.Security.Cryptography;
using System.Text;

namespace EscalationHub.Adapters.Runtime;

/// <summary>The id of a message an adapter sends because of a message it received. Derived, not random: if the
/// adapter crashes after sending and before recording, the redelivered cause produces the same ids, and the
/// hub's inbox recognises the resend.</summary>
public static class DeterministicId
{
    public static Guid For(Guid cause, string purpose)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes($"{cause:N}/{purpose}"), hash);
        var bytes = hash[..16];
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x80); // RFC 9562 version 8 (custom)
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80); // RFC 4122 variant
        return new Guid(bytes, bigEndian: true);
    }
}
