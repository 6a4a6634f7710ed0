using System.Net;
using System.Net.Sockets;
using System.Text;

namespace EscalationHub.IntegrationTests.Infrastructure;

/// <summary>A hospital interface engine in miniature: sends HL7 v2 messages over MLLP (0x0B ... 0x1C 0x0D) on one
/// connection and reads each acknowledgement. Written independently of the adapter's own framing code.</summary>
public sealed class MllpClient : IDisposable
{
    private readonly TcpClient client;
    private NetworkStream stream = null!;

    private MllpClient(TcpClient client) => this.client = client;

    /// <param name="from">The local address to send from (any of 127/8 on Linux); null for the default.</param>
    public static async Task<MllpClient> ConnectAsync(int port, IPAddress? from = null)
    {
        var mllp = new MllpClient(from is null ? new TcpClient() : new TcpClient(new IPEndPoint(from, 0)));
        await mllp.client.ConnectAsync(IPAddress.Loopback, port);
        mllp.stream = mllp.client.GetStream();
        return mllp;
    }

    public async Task<string> SendAsync(string message, TimeSpan? timeout = null)
    {
        var bytes = new List<byte> { 0x0B };
        bytes.AddRange(Encoding.UTF8.GetBytes(message));
        bytes.AddRange([0x1C, 0x0D]);
        await stream.WriteAsync(bytes.ToArray());

        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        var ack = new List<byte>();
        var one = new byte[1];
        while (true)
        {
            if (await stream.ReadAsync(one, cancel.Token) == 0) throw new EndOfStreamException("the adapter closed the connection");
            if (one[0] == 0x0B && ack.Count == 0) continue;
            ack.Add(one[0]);
            if (ack.Count >= 2 && ack[^2] == 0x1C && ack[^1] == 0x0D) break;
        }
        return Encoding.UTF8.GetString(ack.ToArray(), 0, ack.Count - 2);
    }

    /// <summary>MSA-1 and MSA-2 of an acknowledgement.</summary>
    public static (string Code, string ControlId) Msa(string ack)
    {
        var msa = ack.Split('\r').First(s => s.StartsWith("MSA|", StringComparison.Ordinal)).Split('|');
        return (msa[1], msa.Length > 2 ? msa[2] : "");
    }

    public static string Sample(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Samples", "hl7", name));

    public void Dispose() => client.Dispose();
}
