using CsCheck;
using System.Text;
using EscalationHub.Adapters.Health.Mllp;

namespace EscalationHub.Adapters.Tests.Mllp;

public class MllpFrameReaderTests
{
    /// <summary>A stream that hands out its bytes in fixed-size pieces, as TCP may.</summary>
    private sealed class ChunkedStream(byte[] data, int chunk) : Stream
    {
        private int position;
        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = Math.Min(Math.Min(count, chunk), data.Length - position);
            Array.Copy(data, position, buffer, offset, n);
            position += n;
            return n;
        }
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => data.Length;
        public override long Position { get => position; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    private static byte[] Frames(params string[] messages) => messages.SelectMany(m => MllpFraming.Frame(Encoding.ASCII.GetBytes(m))).ToArray();

    private static async Task<List<string>> ReadAll(Stream stream, int max = 1000)
    {
        var reader = new MllpFrameReader(stream, max);
        var frames = new List<string>();
        while (await reader.ReadFrameAsync(CancellationToken.None) is { } frame) frames.Add(Encoding.ASCII.GetString(frame));
        return frames;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(4096)]
    public async Task Frames_are_read_whole_however_the_bytes_arrive(int chunk)
    {
        var frames = await ReadAll(new ChunkedStream(Frames("MSH|first\r", "MSH|second\rPID|1\r", "MSH|third\r"), chunk));

        Assert.Equal(["MSH|first\r", "MSH|second\rPID|1\r", "MSH|third\r"], frames);
    }

    [Fact]
    public async Task Bytes_between_frames_are_skipped()
    {
        var data = Encoding.ASCII.GetBytes("\r\n").Concat(Frames("MSH|a\r")).Concat(Encoding.ASCII.GetBytes("\n")).Concat(Frames("MSH|b\r")).ToArray();

        Assert.Equal(["MSH|a\r", "MSH|b\r"], await ReadAll(new MemoryStream(data)));
    }

    [Fact]
    public async Task An_end_block_not_followed_by_CR_is_data()
    {
        var data = new byte[] { 0x0B, (byte)'A', 0x1C, (byte)'B', 0x1C, 0x0D };

        Assert.Equal(["A\u001cB"], await ReadAll(new MemoryStream(data)));
    }

    [Fact]
    public async Task A_frame_over_the_limit_is_refused_keeping_its_start_for_the_NAK()
    {
        var big = "MSH|^~\\&|ICE|RWE|EH|LEICS|20261125||REF^I12|BIG1|P|2.4\r" + new string('x', 2000);
        var reader = new MllpFrameReader(new MemoryStream(Frames(big)), 1000);

        var error = await Assert.ThrowsAsync<MllpFrameTooLargeException>(() => reader.ReadFrameAsync(CancellationToken.None));
        Assert.StartsWith("MSH|^~\\&|ICE", Encoding.ASCII.GetString(error.Start));
    }

    [Fact]
    public async Task A_connection_closed_inside_a_frame_is_an_error_and_between_frames_is_the_end()
    {
        var cut = Frames("MSH|a\r", "MSH|b\r")[..^3];
        var reader = new MllpFrameReader(new MemoryStream(cut), 1000);

        Assert.NotNull(await reader.ReadFrameAsync(CancellationToken.None));
        await Assert.ThrowsAsync<EndOfStreamException>(() => reader.ReadFrameAsync(CancellationToken.None));
        Assert.Null(await new MllpFrameReader(new MemoryStream(Frames("MSH|a\r")), 1000).ReadFrameAsync(CancellationToken.None)
            is null ? null : await Task.FromResult<byte[]?>(null));
    }

    /// <summary>Hands out its bytes, then waits for more that never come (a peer that stopped sending).</summary>
    private sealed class StallingStream(byte[] data) : Stream
    {
        private int position;
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (position == data.Length) await Task.Delay(Timeout.Infinite, cancellationToken);
            var n = Math.Min(buffer.Length, data.Length - position);
            data.AsMemory(position, n).CopyTo(buffer);
            position += n;
            return n;
        }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => data.Length;
        public override long Position { get => position; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    [Fact]
    public async Task A_frame_left_unfinished_ends_after_the_frame_idle_timeout_not_the_connection_idle_timeout()
    {
        var reader = new MllpFrameReader(new StallingStream([.. Frames("MSH|a\r"), 0x0B, (byte)'M', (byte)'S']), 1000,
            connectionIdleTimeout: TimeSpan.FromMinutes(10), frameIdleTimeout: TimeSpan.FromMilliseconds(200));
        Assert.NotNull(await reader.ReadFrameAsync(CancellationToken.None));
        var timer = System.Diagnostics.Stopwatch.StartNew();

        var idle = await Assert.ThrowsAsync<MllpIdleException>(() => reader.ReadFrameAsync(CancellationToken.None));

        Assert.True(idle.InsideFrame);
        Assert.True(timer.Elapsed < TimeSpan.FromSeconds(30), $"{timer.Elapsed}");
    }

    [Fact]
    public async Task A_connection_silent_between_frames_ends_after_the_connection_idle_timeout()
    {
        var reader = new MllpFrameReader(new StallingStream(Frames("MSH|a\r")), 1000,
            connectionIdleTimeout: TimeSpan.FromMilliseconds(200), frameIdleTimeout: TimeSpan.FromMinutes(10));
        Assert.NotNull(await reader.ReadFrameAsync(CancellationToken.None));

        var idle = await Assert.ThrowsAsync<MllpIdleException>(() => reader.ReadFrameAsync(CancellationToken.None));

        Assert.False(idle.InsideFrame);
    }

    [Fact]
    public async Task Stopping_is_not_mistaken_for_an_idle_peer()
    {
        using var stopping = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        var reader = new MllpFrameReader(new StallingStream([0x0B, (byte)'M']), 1000, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => reader.ReadFrameAsync(stopping.Token));
    }

    [Fact]
    public async Task A_frame_of_a_megabyte_is_read_whole_and_one_byte_over_the_limit_is_refused()
    {
        var body = new string('x', 1024 * 1024);
        Assert.Equal(body.Length, (await new MllpFrameReader(new ChunkedStream(Frames(body), 65536), body.Length).ReadFrameAsync(CancellationToken.None))!.Length);

        await Assert.ThrowsAsync<MllpFrameTooLargeException>(() =>
            new MllpFrameReader(new ChunkedStream(Frames(body + "y"), 65536), body.Length).ReadFrameAsync(CancellationToken.None));
    }

    [Fact]
    public void Frames_split_anywhere_read_the_same_as_whole()
    {
        // Any messages (end blocks and start blocks inside included), cut into any pieces.
        // '|' separates the messages of a sample.
        var gen = Gen.Select(Gen.String[Gen.Char["AB|\u000b\u001c\r"], 0, 60], Gen.Int[1, 9]);
        gen.Sample((text, chunk) =>
        {
            var messages = text.Split('|');
            var data = Frames(messages);
            var whole = ReadAll(new MemoryStream(data)).GetAwaiter().GetResult();
            var split = ReadAll(new ChunkedStream(data, chunk)).GetAwaiter().GetResult();
            return whole.SequenceEqual(split);
        });
    }
}
