using System.Security.Cryptography;
using System.Text;

namespace EscalationHub.Messaging;

/// <summary>A message id derived from what caused the message, not random: a message sent again because of the same
/// cause (a crash between sending and recording, a redelivered cause) keeps its id, and the receiver's inbox
/// recognises it; and the hub can find the message an agency's reply answers without storing its id.</summary>
public static class DerivedId
{
    public static Guid For(Guid cause, string purpose) => For($"{cause:N}/{purpose}");

    public static Guid For(string text)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(text), hash);
        var bytes = hash[..16];
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x80); // RFC 9562 version 8 (custom)
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80); // RFC 4122 variant
        return new Guid(bytes, bigEndian: true);
    }
}
