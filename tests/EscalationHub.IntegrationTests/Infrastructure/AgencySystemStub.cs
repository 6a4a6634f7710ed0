using System.Collections.Concurrent;
using System.Net;

namespace EscalationHub.IntegrationTests.Infrastructure;

/// <summary>An agency's case system as a real HTTP endpoint in the test process: "down" answers 503, "up" answers
/// 200; every request is recorded with the answer it got.</summary>
public sealed class AgencySystemStub : IDisposable
{
    private readonly HttpListener listener = new();
    private readonly Task loop;

    public ConcurrentQueue<(string Method, string Path, string? DeliveryId, string Body, int Status)> Requests { get; } = new();
    public volatile bool Up;

    private AgencySystemStub(int port, bool up)
    {
        Up = up;
        Url = $"http://127.0.0.1:{port}/webhooks/escalationhub";
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        loop = Task.Run(ServeAsync);
    }

    public string Url { get; }

    public int Delivered => Requests.Count(r => r.Status == 200);

    public static AgencySystemStub Start(bool up) => new(Ports.Free(Ports.ServerMin, Ports.ServerMax), up);

    private async Task ServeAsync()
    {
        while (listener.IsListening)
        {
            HttpListenerContext context;
            try { context = await listener.GetContextAsync(); }
            catch (Exception) { return; }
            using var reader = new StreamReader(context.Request.InputStream);
            var body = await reader.ReadToEndAsync();
            var status = Up ? 200 : 503;
            Requests.Enqueue((context.Request.HttpMethod, context.Request.Url!.AbsolutePath, context.Request.Headers["X-EscalationHub-Delivery"], body, status));
            context.Response.StatusCode = status;
            context.Response.Close();
        }
    }

    public void Dispose()
    {
        listener.Stop();
        listener.Close();
        loop.Wait(TimeSpan.FromSeconds(5));
    }
}
