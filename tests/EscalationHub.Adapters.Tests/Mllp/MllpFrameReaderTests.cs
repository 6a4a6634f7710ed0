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
}
