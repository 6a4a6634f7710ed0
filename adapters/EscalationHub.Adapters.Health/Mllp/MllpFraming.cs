namespace EscalationHub.Adapters.Health.Mllp;

/// <summary>The Minimal Lower Layer Protocol (HL7 v2 over TCP): each message is framed as 0x0B, the message bytes,
/// then 0x1C 0x0D.</summary>
public static class MllpFraming
{
    public const byte StartBlock = 0x0B;
    public const byte EndBlock = 0x1C;
    public const byte CarriageReturn = 0x0D;

    public static byte[] Frame(ReadOnlySpan<byte> message)
    {
        var framed = new byte[message.Length + 3];
        framed[0] = StartBlock;
        message.CopyTo(framed.AsSpan(1));
        framed[^2] = EndBlock;
        framed[^1] = CarriageReturn;
        return framed;
    }
}

/// <summary>A frame grew past the configured limit before its end block arrived.</summary>
public sealed class MllpFrameTooLargeException(int limit, byte[] start) : Exception($"MLLP frame larger than {limit} bytes")
{
    /// <summary>The first bytes of the frame, enough to read MSH and answer with the original control id.</summary>
    public byte[] Start { get; } = start;
}

/// <summary>Reads frames from a stream however the bytes arrive: a frame split over many reads, several frames in one
/// read. Bytes between frames (stray line ends) are skipped.</summary>
public sealed class MllpFrameReader(Stream stream, int maxMessageBytes)
{
    private readonly byte[] buffer = new byte[8192];
    private int position;
    private int length;

    /// <returns>The message bytes of the next frame, or null when the peer closed the connection between frames.</returns>
    /// <exception cref="EndOfStreamException">The peer closed the connection inside a frame.</exception>
    public async Task<byte[]?> ReadFrameAsync(CancellationToken cancellationToken)
    {
        // Find the start block.
        while (true)
        {
            if (position == length && !await FillAsync(cancellationToken)) return null;
            if (buffer[position++] == MllpFraming.StartBlock) break;
        }

        using var message = new MemoryStream();
        var sawEndBlock = false;
        while (true)
        {
            if (position == length && !await FillAsync(cancellationToken))
                throw new EndOfStreamException("the connection closed inside an MLLP frame");
            var b = buffer[position++];
            if (sawEndBlock)
            {
                if (b == MllpFraming.CarriageReturn) return message.ToArray();
                message.WriteByte(MllpFraming.EndBlock); // an end block not followed by CR is data
                sawEndBlock = false;
            }
            if (b == MllpFraming.EndBlock)
            {
                sawEndBlock = true;
                continue;
            }
            if (b == MllpFraming.StartBlock && message.Length == 0) continue;
            message.WriteByte(b);
            if (message.Length > maxMessageBytes)
                throw new MllpFrameTooLargeException(maxMessageBytes, message.ToArray()[..Math.Min(4096, (int)message.Length)]);
        }
    }

    private async Task<bool> FillAsync(CancellationToken cancellationToken)
    {
        length = await stream.ReadAsync(buffer, cancellationToken);
        position = 0;
        return length > 0;
    }
}
