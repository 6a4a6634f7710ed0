using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EscalationHub.Adapters.Tests.Infrastructure;

/// <summary>An agency system's HTTP endpoint on a real Kestrel port that can be "down" (answers 503) or up, and
/// records every request it received and what it answered.</summary>
public sealed class AgencySystemStub : IAsyncDisposable
{
    private readonly WebApplication app;
    public ConcurrentQueue<(string Method, string Path, string? DeliveryId, string Body, int Status)> Requests { get; } = new();
    public volatile bool Up;

    private AgencySystemStub(WebApplication app) => this.app = app;

    public string Url => app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

    public static async Task<AgencySystemStub> StartAsync(bool up)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var stub = new AgencySystemStub(app) { Up = up };
        app.Run(async context =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync();
            var status = stub.Up ? 200 : 503;
            stub.Requests.Enqueue((context.Request.Method, context.Request.Path.Value ?? "", context.Request.Headers["X-EscalationHub-Delivery"].FirstOrDefault(), body, status));
            context.Response.StatusCode = status;
        });
        await app.StartAsync();
        return stub;
    }

    public int Delivered => Requests.Count(r => r.Status == 200);

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
