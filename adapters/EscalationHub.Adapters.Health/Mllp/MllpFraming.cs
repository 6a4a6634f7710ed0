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

/// <summary>The peer sent nothing for the idle timeout: inside a frame (Mllp:FrameIdleTimeout) or between frames
/// (Mllp:ConnectionIdleTimeout).</summary>
public sealed class MllpIdleException(bool insideFrame, TimeSpan timeout)
    : Exception(insideFrame ? $"nothing more of a started frame for {timeout}" : $"no frame for {timeout}")
{
    public bool InsideFrame { get; } = insideFrame;
}

/// <summary>Reads frames from a stream however the bytes arrive: a frame split over many reads, several frames in one
/// read. Bytes between frames (stray line ends) are skipped. Whole buffers are scanned for the end block, not byte by
/// byte. Each read waits at most the frame idle timeout inside a frame, the connection idle timeout between frames.</summary>
public sealed class MllpFrameReader(Stream stream, int maxMessageBytes, TimeSpan? connectionIdleTimeout = null, TimeSpan? frameIdleTimeout = null)
{
    private readonly byte[] buffer = new byte[64 * 1024];
    private int position;
    private int length;

    /// <returns>The message bytes of the next frame, or null when the peer closed the connection between frames.</returns>
    /// <exception cref="EndOfStreamException">The peer closed the connection inside a frame.</exception>
    /// <exception cref="MllpIdleException">The peer sent nothing for the idle timeout.</exception>
    /// <exception cref="MllpFrameTooLargeException">The frame grew past the size limit.</exception>
    public async Task<byte[]?> ReadFrameAsync(CancellationToken cancellationToken)
    {
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

        // Find the start block.
        while (true)
        {
            if (position == length && !await FillAsync(insideFrame: false, idle, cancellationToken)) return null;
            var start = buffer.AsSpan(position, length - position).IndexOf(MllpFraming.StartBlock);
            if (start >= 0)
            {
                position += start + 1;
                break;
            }
            position = length;
        }

        using var message = new MemoryStream();
        var sawEndBlock = false;
        while (true)
        {
            if (position == length && !await FillAsync(insideFrame: true, idle, cancellationToken))
                throw new EndOfStreamException("the connection closed inside an MLLP frame");
            var available = buffer.AsSpan(position, length - position);
            if (sawEndBlock)
            {
                sawEndBlock = false;
                if (available[0] == MllpFraming.CarriageReturn)
                {
                    position++;
                    return message.ToArray();
                }
                message.WriteByte(MllpFraming.EndBlock); // an end block not followed by CR is data
            }
            if (message.Length == 0)
            {
                // Start blocks repeated at the start of a frame are not data.
                var skip = available.IndexOfAnyExcept(MllpFraming.StartBlock);
                if (skip < 0)
                {
                    position = length;
                    continue;
                }
                position += skip;
                available = available[skip..];
            }
            var end = available.IndexOf(MllpFraming.EndBlock);
            var data = end < 0 ? available : available[..end];
            message.Write(data);
            position += end < 0 ? data.Length : data.Length + 1;
            sawEndBlock = end >= 0;
            if (message.Length > maxMessageBytes)
                throw new MllpFrameTooLargeException(maxMessageBytes, message.GetBuffer()[..Math.Min(4096, (int)message.Length)]);
        }
    }

    private async Task<bool> FillAsync(bool insideFrame, CancellationTokenSource idle, CancellationToken cancellationToken)
    {
        var timeout = insideFrame ? frameIdleTimeout : connectionIdleTimeout;
        if (timeout is { } after) idle.CancelAfter(after);
        try
        {
            length = await stream.ReadAsync(buffer, idle.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && timeout is not null)
        {
            throw new MllpIdleException(insideFrame, timeout.Value);
        }
        position = 0;
        return length > 0;
    }
}
