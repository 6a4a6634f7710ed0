using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using EscalationHub.IntegrationTests.Infrastructure;

namespace EscalationHub.IntegrationTests.Security;

/// <summary>The embedded hub's MLLP listener under attack from the same machine (issue 14, item 7): floods of
/// unterminated frames, frames left open, bursts of referrals, and senders from outside the allow-list. Senders use
/// different loopback addresses (Linux routes all of 127/8 to lo) so that each test has its own source.</summary>
public sealed class MllpHardeningTests : IAsyncLifetime
{
    private static readonly IPAddress Genuine = IPAddress.Parse("127.0.0.1");   // the hospital's interface engine
    private static readonly IPAddress Burster = IPAddress.Parse("127.0.0.2");
    private static readonly IPAddress Flooder = IPAddress.Parse("127.0.0.3");
    private static readonly IPAddress Outsider = IPAddress.Parse("127.0.0.9"); // not in the allow-list

    private const int MaxConnections = 32;
    private const int PerSender = 8;
    private static readonly TimeSpan FrameIdleTimeout = TimeSpan.FromSeconds(5);

    private readonly int mllpPort = Ports.Free(Ports.ServerMin, Ports.ServerMax);
    private TestHub hub = null!;

    public async Task InitializeAsync() => hub = await TestHub.StartAsync(brokerUri: null, new Dictionary<string, string>
    {
        ["Adapters:Health:Mllp:Port"] = mllpPort.ToString(),
        ["Adapters:Health:Mllp:MaxConnections"] = MaxConnections.ToString(),
        ["Adapters:Health:Mllp:MaxConnectionsPerSender"] = PerSender.ToString(),
        ["Adapters:Health:Mllp:FrameIdleTimeout"] = "00:00:05",
        ["Adapters:Health:Mllp:AllowedSenders:0"] = "127.0.0.0/29", // .1 to .7
        ["Adapters:Health:Mllp:AllowedSenders:1"] = "::1",
        // One a second after a burst of 20: a burst of 50 is over the rate however slowly this machine answers.
        ["Adapters:Health:Mllp:MessagesPerSecond"] = "1",
        ["Adapters:Health:Mllp:Burst"] = "20",
    });

    public async Task DisposeAsync() => await hub.DisposeAsync();

    [Fact]
    public async Task A_flood_of_unterminated_frames_from_one_host_does_not_delay_a_genuine_referral_and_its_connections_beyond_the_cap_are_closed_at_once()
    {
        const int flood = 200;
        var connected = new CountdownEvent(flood);
        var attackers = Enumerable.Range(0, flood).Select(_ => Task.Run(() => FloodOneAsync(Flooder, connected))).ToArray();
        Assert.True(connected.Wait(TimeSpan.FromSeconds(60)), "the flood's connections were not all made");

        // The hospital's engine connects while the flood is on, as in the attack (42.9 s to its ACK before the fix).
        var timer = Stopwatch.StartNew();
        using (var genuine = await MllpClient.ConnectAsync(mllpPort, Genuine))
        {
            var ack = await genuine.SendAsync(Referral("FLOOD-DURING"), TimeSpan.FromSeconds(60));
            timer.Stop();
            Assert.Equal(("AA", "FLOOD-DURING"), MllpClient.Msa(ack));
        }
        Assert.True(timer.Elapsed < TimeSpan.FromSeconds(3), $"the genuine referral's ACK took {timer.Elapsed.TotalSeconds:F1} s");

        // Every flooding connection is closed: those beyond the cap at once, the rest after the frame idle timeout.
        var closedAfter = await Task.WhenAll(attackers).WaitAsync(TimeSpan.FromSeconds(120));
        Assert.All(closedAfter, c => Assert.NotNull(c));
        var atOnce = closedAfter.Count(c => c < FrameIdleTimeout - TimeSpan.FromSeconds(1));
        Assert.True(atOnce >= flood - PerSender, $"{atOnce} of {flood} flooding connections closed at once; {flood - PerSender} were over the cap");
        await LoggedAsync(flood - PerSender, "MLLP connection from 127.0.0.3 refused", "Mllp:MaxConnectionsPerSender");
    }

    [Fact]
    public async Task Connections_beyond_the_cap_are_closed_at_once_and_those_within_it_stay_open()
    {
        // Eight from each of five hosts: forty, eight over the cap of 32 (none over the cap per host).
        var sockets = new List<Socket>();
        try
        {
            foreach (var host in new[] { "127.0.0.3", "127.0.0.4", "127.0.0.5", "127.0.0.6", "127.0.0.7" })
                for (var i = 0; i < PerSender; i++)
                    sockets.Add(await ConnectOrResetFromAsync(IPAddress.Parse(host)));

            var closed = await Task.WhenAll(sockets.Select(s => s.Connected ? ClosedWithinAsync(s, TimeSpan.FromSeconds(3)) : Task.FromResult<TimeSpan?>(TimeSpan.Zero)));

            Assert.Equal(sockets.Count - MaxConnections, closed.Count(c => c is not null));
            Assert.All(closed[..MaxConnections], c => Assert.Null(c)); // the first 32, in the order they connected
            await LoggedAsync(sockets.Count - MaxConnections, "refused: Mllp:MaxConnections (32)");
        }
        finally
        {
            foreach (var socket in sockets) socket.Dispose();
        }
    }

    [Fact]
    public async Task A_frame_left_unterminated_is_closed_within_the_frame_idle_timeout_not_minutes()
    {
        using var socket = await ConnectFromAsync(Genuine);
        await socket.SendAsync(Encoding.ASCII.GetBytes("\u000bMSH|^~\\&|ICE|RWE|EH|LEICS|20261125101500||REF^I12|STALL1|P|2.5.1\rPID|1||"));
        var timer = Stopwatch.StartNew();

        var closed = await ClosedWithinAsync(socket, TimeSpan.FromSeconds(60));

        Assert.NotNull(closed);
        Assert.InRange(timer.Elapsed, FrameIdleTimeout - TimeSpan.FromSeconds(1), FrameIdleTimeout + TimeSpan.FromSeconds(10));
        await LoggedAsync(1, "127.0.0.1", "Mllp:FrameIdleTimeout");
        Assert.DoesNotContain("STALL1", hub.Output); // nothing of the message is logged
    }

    [Fact]
    public async Task Referrals_over_the_rate_on_one_connection_are_answered_AR_and_not_sent_to_the_hub()
    {
        using var socket = await ConnectFromAsync(Burster);
        var ids = Enumerable.Range(1, 50).Select(i => $"BURST{i:D3}").ToList();
        var timer = Stopwatch.StartNew();
        await socket.SendAsync(ids.SelectMany(id => Frame(Referral(id))).ToArray());

        var acks = new List<string>();
        using (var stream = new NetworkStream(socket, ownsSocket: false))
            for (var i = 0; i < ids.Count; i++) acks.Add(await ReadAckAsync(stream, TimeSpan.FromSeconds(60)));
        timer.Stop();

        var answers = acks.Select(MllpClient.Msa).ToList();
        Assert.Equal(ids, answers.Select(a => a.ControlId));
        var accepted = answers.Where(a => a.Code == "AA").Select(a => a.ControlId).ToList();
        var limited = acks.Where(a => MllpClient.Msa(a).Code == "AR").ToList();
        Assert.Equal(ids.Count, accepted.Count + limited.Count);
        Assert.InRange(accepted.Count, 20, 20 + (int)Math.Ceiling(timer.Elapsed.TotalSeconds) + 1);
        Assert.All(limited, a => Assert.Contains("rate limit: retry later", a));
        Assert.Equal(accepted, ids.Take(accepted.Count)); // the first ones, in order

        // Only the accepted referrals reached the hub.
        await Eventually.TrueAsync(() => Task.FromResult(hub.Count("Concerns", "IdempotencyKey LIKE 'hl7:RWE:BURST%'") == accepted.Count),
            $"{accepted.Count} concerns from the burst");
        await Task.Delay(1000); // anything wrongly sent would arrive now
        Assert.Equal(accepted.Count, hub.Count("Concerns", "IdempotencyKey LIKE 'hl7:RWE:BURST%'"));
        await LoggedAsync(limited.Count, "127.0.0.2", "Mllp:MessagesPerSecond");
    }

    [Fact]
    public async Task A_sender_outside_the_allow_list_is_closed_before_anything_is_read_and_nothing_reaches_the_hub()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(Outsider, 0));
        TimeSpan? closed;
        try
        {
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, mllpPort));
            try { await socket.SendAsync(Frame(Referral("OUTSIDER1"))); }
            catch (SocketException) { } // already closed
            closed = await ClosedWithinAsync(socket, TimeSpan.FromSeconds(30));
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionReset)
        {
            closed = TimeSpan.Zero; // reset before the connect had even been reported (a loaded machine)
        }

        Assert.NotNull(closed);
        await Task.Delay(1000);
        Assert.Equal(0, hub.Count("Concerns", "IdempotencyKey = 'hl7:RWE:OUTSIDER1'"));
        await LoggedAsync(1, "MLLP connection from 127.0.0.9", "Mllp:AllowedSenders");
    }

    /// <summary>One flooding connection: connect, send an unterminated frame of 1 MB, then wait for the adapter to
    /// close it. Returns how long after connecting it was closed (null: still open after a minute). Signals
    /// <paramref name="connected"/> once the frame is on its way (or the connection refused).</summary>
    private async Task<TimeSpan?> FloodOneAsync(IPAddress from, CountdownEvent connected)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(from, 0));
        var since = Stopwatch.StartNew();
        var signalled = false;
        try
        {
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, mllpPort));
            var frame = new byte[1_000_001];
            frame[0] = 0x0B;
            frame.AsSpan(1).Fill((byte)'x');
            var sending = socket.SendAsync(frame);
            connected.Signal();
            signalled = true;
            await sending;
            return await ClosedWithinAsync(socket, TimeSpan.FromSeconds(60)) is null ? null : since.Elapsed;
        }
        catch (SocketException)
        {
            return since.Elapsed; // refused or reset by the adapter
        }
        finally
        {
            if (!signalled) connected.Signal();
        }
    }

    private async Task<Socket> ConnectFromAsync(IPAddress from)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(from, 0));
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, mllpPort));
        return socket;
    }

    /// <summary>A connection, or (reset by the adapter before the connect was reported, on a loaded machine) a socket
    /// that is not connected.</summary>
    private async Task<Socket> ConnectOrResetFromAsync(IPAddress from)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(from, 0));
        try { await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, mllpPort)); }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionReset) { }
        return socket;
    }

    /// <summary>Reads (and discards) until the adapter closes the connection; the time waited, or null if it stays open.</summary>
    private static async Task<TimeSpan?> ClosedWithinAsync(Socket socket, TimeSpan timeout)
    {
        var waited = Stopwatch.StartNew();
        using var cancel = new CancellationTokenSource(timeout);
        var buffer = new byte[65536];
        try
        {
            while (await socket.ReceiveAsync(buffer, SocketFlags.None, cancel.Token) > 0) { }
            return waited.Elapsed;
        }
        catch (SocketException) { return waited.Elapsed; } // reset by the adapter
        catch (OperationCanceledException) { return null; }
    }

    private static async Task<string> ReadAckAsync(Stream stream, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        var ack = new List<byte>();
        var one = new byte[1];
        while (true)
        {
            if (await stream.ReadAsync(one, cancel.Token) == 0) throw new EndOfStreamException("the adapter closed the connection");
            if (one[0] == 0x0B && ack.Count == 0) continue;
            ack.Add(one[0]);
            if (ack.Count >= 2 && ack[^2] == 0x1C && ack[^1] == 0x0D) return Encoding.UTF8.GetString(ack.ToArray(), 0, ack.Count - 2);
        }
    }

    private static string Referral(string controlId) =>
        MllpClient.Sample("ref-i12-minimal-lf.hl7").Replace("ICE00044720", controlId, StringComparison.Ordinal);

    private static byte[] Frame(string message) => [0x0B, .. Encoding.UTF8.GetBytes(message), 0x1C, 0x0D];

    /// <summary>Waits for the hub's log (read from its output as it comes) to hold at least this many such lines.</summary>
    private Task LoggedAsync(int atLeast, params string[] containing) =>
        Eventually.TrueAsync(() => Task.FromResult(Lines(hub.Output, containing) >= atLeast),
            $"{atLeast} log lines with {string.Join(" and ", containing)} (found {Lines(hub.Output, containing)})");

    private static int Lines(string output, params string[] containing) =>
        output.Split('\n').Count(line => containing.All(c => line.Contains(c, StringComparison.Ordinal)));
}
