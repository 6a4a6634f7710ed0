using System.Net;
using System.Net.Sockets;
using System.Text;
using EscalationHub.Adapters.Health.Hl7;
using EscalationHub.Adapters.Health.Referrals;

namespace EscalationHub.Adapters.Health.Mllp;

/// <summary>Accepts ICE referrals over MLLP: any number of connections, any number of messages per connection, each
/// answered in order with its ACK/NAK once the referral is with the broker (or refused). A frame over the size limit
/// is answered AR and the connection closed (the stream cannot be trusted after it).</summary>
public sealed class MllpListener(ReferralIntake intake, ILogger<MllpListener> logger) : BackgroundService
{
    private readonly TaskCompletionSource<int> port = new(TaskCreationOptions.RunContinuationsAsynchronously);

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
        logger.LogInformation("{Agency}: MLLP listening on {Address}:{Port}", intake.AgencyCode, settings.Address, bound);
        var connections = new List<Task>();
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var client = await listener.AcceptTcpClientAsync(stoppingToken);
                connections.RemoveAll(t => t.IsCompleted);
                connections.Add(ServeAsync(client, settings, stoppingToken));
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

    private async Task ServeAsync(TcpClient client, MllpSettings settings, CancellationToken stoppingToken)
    {
        var peer = client.Client.RemoteEndPoint?.ToString();
        using (client)
        {
            var stream = client.GetStream();
            var reader = new MllpFrameReader(stream, settings.MaxMessageBytes);
            try
            {
                while (!stoppingToken.IsCancellationRequested)
                {
                    using var idle = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                    idle.CancelAfter(settings.IdleTimeout);
                    byte[]? frame;
                    try
                    {
                        frame = await reader.ReadFrameAsync(idle.Token);
                    }
                    catch (MllpFrameTooLargeException ex)
                    {
                        logger.LogWarning("{Agency}: MLLP frame from {Peer} over {Limit} bytes refused; closing the connection", intake.AgencyCode, peer, settings.MaxMessageBytes);
                        var start = ReferralIntake.Decode(ex.Start);
                        var nak = Hl7Acknowledgement.Build(ReferralIntake.TryHeaderOnly(start.Text), AckCode.AR,
                            [new Hl7Error(new Hl7Location("MSH"), Hl7Error.ApplicationInternalError, $"message larger than {settings.MaxMessageBytes} bytes")],
                            intake.Now, $"ACK{intake.Now:yyyyMMddHHmmssfff}");
                        await stream.WriteAsync(MllpFraming.Frame(start.Encoding.GetBytes(nak)), stoppingToken);
                        return;
                    }
                    if (frame is null) return;

                    var (text, encoding) = ReferralIntake.Decode(frame);
                    var ack = await intake.HandleHl7Async(text, stoppingToken);
                    await stream.WriteAsync(MllpFraming.Frame(encoding.GetBytes(ack)), stoppingToken);
                }
            }
            catch (OperationCanceledException)
            {
            }
            catch (Exception ex) when (ex is IOException or SocketException or EndOfStreamException)
            {
                logger.LogInformation("{Agency}: MLLP connection from {Peer} ended: {Reason}", intake.AgencyCode, peer, ex.Message);
            }
        }
    }
}
