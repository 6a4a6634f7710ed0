using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using EscalationHub.Adapters.Health.Hl7;
using EscalationHub.Adapters.Health.Referrals;

namespace EscalationHub.Adapters.Health.Mllp;

/// <summary>Accepts ICE referrals over MLLP. The accept loop only accepts: a sender outside Mllp:AllowedSenders, or a
/// connection beyond Mllp:MaxConnections (or Mllp:MaxConnectionsPerSender from one address, so that one host cannot
/// take every place), is closed before a byte is read; every other connection is served by its own
/// task, its messages answered in order with their ACK/NAK once the referral is with the broker (or refused). A frame
/// over the size limit is answered AR and the connection closed (the stream cannot be trusted after it); so is a frame
/// left unfinished for Mllp:FrameIdleTimeout, or a connection silent for Mllp:ConnectionIdleTimeout. A sending address
/// over Mllp:MessagesPerSecond gets AR for each message over the rate, and nothing of it is sent. Refusals are logged
/// one line each, with the peer's address and never the message.</summary>
public sealed class MllpListener(ReferralIntake intake, ILogger<MllpListener> logger) : BackgroundService
{
    public const string MeterName = "EscalationHub.Adapters.Mllp";
    private static readonly Meter Meter = new(MeterName);
    private static readonly Counter<long> Refused = Meter.CreateCounter<long>("escalationhub.mllp.refused", "{refusal}",
        "MLLP connections closed or messages refused by the listener's limits, by reason");

    private readonly TaskCompletionSource<int> port = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Dictionary<IPAddress, int> openBySender = [];
    private int open;

    /// <summary>The port actually listened on (useful when configured as 0).</summary>
    public Task<int> Port => port.Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = intake.Settings.Mllp;
        if (settings.Port < 0)
        {
            port.TrySetResult(-1);
            return;
        }

        var allowed = MllpAllowList.Parse(settings.AllowedSenders ?? MllpSettings.LoopbackOnly);
        var rate = settings.MessagesPerSecond > 0 ? new MllpRateLimit(settings.MessagesPerSecond, Math.Max(1, settings.Burst)) : null;
        var listener = new TcpListener(IPAddress.Parse(settings.Address), settings.Port);
        try
        {
            listener.Start();
        }
        catch (SocketException ex)
        {
            // The rest of the process (FHIR, feedback to the EPR) keeps working; the operator sees why MLLP does not.
            logger.LogError(ex, "{Agency}: cannot listen for MLLP on {Address}:{Port}", intake.AgencyCode, settings.Address, settings.Port);
            port.TrySetResult(-1);
            return;
        }
        var bound = ((IPEndPoint)listener.LocalEndpoint).Port;
        port.TrySetResult(bound);
        logger.LogInformation("{Agency}: MLLP listening on {Address}:{Port} for {Senders}, at most {MaxConnections} connections",
            intake.AgencyCode, settings.Address, bound, allowed, settings.MaxConnections);
        var connections = new List<Task>();
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                Socket socket;
                try
                {
                    socket = await listener.AcceptSocketAsync(stoppingToken);
                }
                catch (SocketException ex)
                {
                    // E.g. out of file descriptors: the listener stays up and tries again.
                    logger.LogWarning("{Agency}: MLLP accept failed: {Reason}", intake.AgencyCode, ex.SocketErrorCode);
                    await Task.Delay(TimeSpan.FromMilliseconds(100), stoppingToken);
                    continue;
                }
                var peer = socket.RemoteEndPoint as IPEndPoint;
                var address = peer is null ? IPAddress.None : MllpAllowList.Canonical(peer.Address);
                if (!allowed.Allows(address))
                {
                    Refuse(socket, "not_allowed", "{Agency}: MLLP connection from {Peer} refused: not in Mllp:AllowedSenders", address);
                    continue;
                }
                var admitted = Admit(address, settings);
                if (admitted is not null)
                {
                    Refuse(socket, "connection_cap", $"{{Agency}}: MLLP connection from {{Peer}} refused: {admitted} ({{Max}}) open", address,
                        admitted == "Mllp:MaxConnections" ? settings.MaxConnections : settings.MaxConnectionsPerSender);
                    continue;
                }
                connections.RemoveAll(t => t.IsCompleted);
                // Its own task from the start: nothing of a connection runs on the accept loop.
                connections.Add(Task.Run(() => ServeAsync(socket, address, settings, rate, stoppingToken), CancellationToken.None));
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            listener.Stop();
            await Task.WhenAll(connections);
        }
    }

    /// <summary>Counts the connection in, or names the cap it would break (it is then not counted).</summary>
    private string? Admit(IPAddress address, MllpSettings settings)
    {
        lock (openBySender)
        {
            if (open >= settings.MaxConnections) return "Mllp:MaxConnections";
            var fromSender = openBySender.GetValueOrDefault(address);
            if (fromSender >= settings.MaxConnectionsPerSender) return "Mllp:MaxConnectionsPerSender";
            open++;
            openBySender[address] = fromSender + 1;
            return null;
        }
    }

    private void Release(IPAddress address)
    {
        lock (openBySender)
        {
            open--;
            if (--openBySender[address] == 0) openBySender.Remove(address);
        }
    }

    private void Refuse(Socket socket, string reason, string message, params object?[] arguments)
    {
        Refused.Add(1, new KeyValuePair<string, object?>("reason", reason));
#pragma warning disable CA2254 // the templates are the constants above
        logger.LogWarning(message, [intake.AgencyCode, .. arguments]);
#pragma warning restore CA2254
        try
        {
            socket.LingerState = new LingerOption(true, 0); // reset: nothing read, nothing owed
        }
        catch (SocketException)
        {
            // The peer has gone already; closing is all that is left.
        }
        socket.Dispose();
    }

    private async Task ServeAsync(Socket socket, IPAddress address, MllpSettings settings, MllpRateLimit? rate, CancellationToken stoppingToken)
    {
        try
        {
            using var stream = new NetworkStream(socket, ownsSocket: true);
            var reader = new MllpFrameReader(stream, settings.MaxMessageBytes, settings.ConnectionIdleTimeout, settings.FrameIdleTimeout);
            while (!stoppingToken.IsCancellationRequested)
            {
                byte[]? frame;
                try
                {
                    frame = await reader.ReadFrameAsync(stoppingToken);
                }
                catch (MllpFrameTooLargeException ex)
                {
                    Refused.Add(1, new KeyValuePair<string, object?>("reason", "too_large"));
                    logger.LogWarning("{Agency}: MLLP frame from {Peer} refused: over Mllp:MaxMessageBytes ({Limit}); closing the connection", intake.AgencyCode, address, settings.MaxMessageBytes);
                    var start = ReferralIntake.Decode(ex.Start);
                    var nak = Nak(start.Text, $"message larger than {settings.MaxMessageBytes} bytes");
                    await stream.WriteAsync(MllpFraming.Frame(start.Encoding.GetBytes(nak)), stoppingToken);
                    return;
                }
                catch (MllpIdleException ex) when (ex.InsideFrame)
                {
                    Refused.Add(1, new KeyValuePair<string, object?>("reason", "frame_idle"));
                    logger.LogWarning("{Agency}: MLLP connection from {Peer} closed: a frame left unfinished for Mllp:FrameIdleTimeout ({Timeout})", intake.AgencyCode, address, settings.FrameIdleTimeout);
                    return;
                }
                catch (MllpIdleException)
                {
                    logger.LogInformation("{Agency}: MLLP connection from {Peer} closed: idle for Mllp:ConnectionIdleTimeout ({Timeout})", intake.AgencyCode, address, settings.ConnectionIdleTimeout);
                    return;
                }
                if (frame is null) return;

                var (text, encoding) = ReferralIntake.Decode(frame);
                string ack;
                if (rate is not null && !rate.TryTake(address, TimeProvider.System.GetElapsedTime(Started)))
                {
                    Refused.Add(1, new KeyValuePair<string, object?>("reason", "rate_limit"));
                    logger.LogWarning("{Agency}: MLLP message from {Peer} refused: over Mllp:MessagesPerSecond ({Rate}/s, burst {Burst})", intake.AgencyCode, address, settings.MessagesPerSecond, settings.Burst);
                    ack = Nak(text, "rate limit: retry later");
                }
                else
                {
                    ack = await intake.HandleHl7Async(text, stoppingToken);
                }
                await stream.WriteAsync(MllpFraming.Frame(encoding.GetBytes(ack)), stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (ex is IOException or SocketException or EndOfStreamException)
        {
            logger.LogInformation("{Agency}: MLLP connection from {Peer} ended: {Reason}", intake.AgencyCode, address, ex.Message);
        }
        catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
        {
            // The type only: a message could quote the referral.
            logger.LogError("{Agency}: MLLP connection from {Peer} ended by an unexpected {Error}", intake.AgencyCode, address, ex.GetType().Name);
        }
        finally
        {
            Release(address);
        }
    }

    private static readonly long Started = TimeProvider.System.GetTimestamp();

    /// <summary>AR with one ERR, answering the message's MSH-10 when its header can be read.</summary>
    private string Nak(string text, string reason) =>
        Hl7Acknowledgement.Build(ReferralIntake.TryHeaderOnly(text), AckCode.AR,
            [new Hl7Error(new Hl7Location("MSH"), Hl7Error.ApplicationInternalError, reason)],
            intake.Now, $"ACK{intake.Now:yyyyMMddHHmmssfff}");
}
