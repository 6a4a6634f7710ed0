using System.Collections.Concurrent;
using EscalationHub.Contracts.Messages;
using EscalationHub.Messaging;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EscalationHub.Adapters.Tests.Infrastructure;

/// <summary>What reached the hub's inbound queue, in arrival order.</summary>
public sealed class HubInboundRecorder
{
    public ConcurrentQueue<(Guid MessageId, object Message)> Received { get; } = new();

    public IReadOnlyList<T> Of<T>() => Received.Select(r => r.Message).OfType<T>().ToList();
}

public sealed class RecordingHubConsumer(HubInboundRecorder recorder)
    : IConsumer<RaiseConcern>, IConsumer<AcknowledgeConcern>, IConsumer<DecideConcern>,
      IConsumer<OpenDisagreement>, IConsumer<RecordDiscussion>, IConsumer<ApproveDisagreementRecord>, IConsumer<EscalateDisagreement>,
      IConsumer<ResolveDisagreement>, IConsumer<DecideFinalOutcome>, IConsumer<GiveFeedback>, IConsumer<RecordLearning>, IConsumer<CloseDisagreement>
{
    public Task Consume(ConsumeContext<RaiseConcern> context) => Record(context);
    public Task Consume(ConsumeContext<AcknowledgeConcern> context) => Record(context);
    public Task Consume(ConsumeContext<DecideConcern> context) => Record(context);
    public Task Consume(ConsumeContext<OpenDisagreement> context) => Record(context);
    public Task Consume(ConsumeContext<RecordDiscussion> context) => Record(context);
    public Task Consume(ConsumeContext<ApproveDisagreementRecord> context) => Record(context);
    public Task Consume(ConsumeContext<EscalateDisagreement> context) => Record(context);
    public Task Consume(ConsumeContext<ResolveDisagreement> context) => Record(context);
    public Task Consume(ConsumeContext<DecideFinalOutcome> context) => Record(context);
    public Task Consume(ConsumeContext<GiveFeedback> context) => Record(context);
    public Task Consume(ConsumeContext<RecordLearning> context) => Record(context);
    public Task Consume(ConsumeContext<CloseDisagreement> context) => Record(context);

    private Task Record<T>(ConsumeContext<T> context) where T : class
    {
        recorder.Received.Enqueue((context.MessageId!.Value, context.Message));
        return Task.CompletedTask;
    }
}

/// <summary>An adapter hosted as it is in its own process (Kestrel on a free port, its SQLite file in a temporary
/// directory), on MassTransit's in-memory transport with a recording consumer in place of the hub, so a test sees
/// exactly what reached the hub's queue. The in-memory transport is the broker's stand-in here; the real-broker
/// path is covered by the integration tests.</summary>
public sealed class AdapterTestHost : IAsyncDisposable
{
    private readonly WebApplication app;

    private AdapterTestHost(WebApplication app, string directory)
    {
        this.app = app;
        Directory = directory;
        Http = new HttpClient { BaseAddress = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()) };
        // The agency system's credential, which the adapter made on start ({DataDirectory}/agency-system-{agency}.credential).
        if (System.IO.Directory.GetFiles(directory, "agency-system-*.credential").FirstOrDefault() is { } credential)
            Http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", File.ReadAllText(credential).Trim());
    }

    public string Directory { get; }
    public HttpClient Http { get; }
    public IServiceProvider Services => app.Services;
    public HubInboundRecorder Hub => app.Services.GetRequiredService<HubInboundRecorder>();

    public static async Task<AdapterTestHost> StartAsync(
        Func<WebApplicationBuilder, IConfigurationSection, object> add,
        Action<IEndpointRouteBuilder, object> map,
        IDictionary<string, string?>? settings = null,
        string? directory = null)
    {
        directory ??= Path.Combine(Path.GetTempPath(), $"eh-adapter-test-{Guid.NewGuid():N}");
        // Content root in the test's own directory: the appsettings.json files the adapter projects copy beside the
        // test assembly must not configure the adapter under test.
        System.IO.Directory.CreateDirectory(directory);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production", ContentRootPath = directory });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        if (Environment.GetEnvironmentVariable("EH_TEST_LOGS") is null) builder.Logging.ClearProviders();
        var values = new Dictionary<string, string?>
        {
            ["Adapter:DataDirectory"] = directory,
            ["Adapter:Mllp:Port"] = "0",
            ["Adapter:AgencySystem:InitialBackoff"] = "00:00:00.100",
            ["Adapter:AgencySystem:MaxBackoff"] = "00:00:00.400",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) values[key] = value;
        builder.Configuration.AddInMemoryCollection(values);

        var adapter = add(builder, builder.Configuration.GetSection("Adapter"));
        builder.Services.AddSingleton<HubInboundRecorder>();
        builder.Services.GetBusEndpoints().Endpoints.Add(new EndpointDefinition(Addresses.HubInbound,
            x => x.AddConsumer<RecordingHubConsumer>(),
            (e, context) => e.ConfigureConsumer<RecordingHubConsumer>(context)));
        builder.AddEscalationHubBus();

        var app = builder.Build();
        map(app, adapter);
        await app.StartAsync();
        return new AdapterTestHost(app, directory);
    }

    /// <summary>Puts a message on an agency's queue as the hub would.</summary>
    public async Task SendToAgencyAsync<T>(string agencyCode, T message, Guid? messageId = null) where T : class
    {
        var bus = app.Services.GetRequiredService<IBus>();
        var endpoint = await bus.GetSendEndpoint(new Uri($"exchange:{Addresses.AgencyQueue(agencyCode)}"));
        await endpoint.Send(message, context => context.MessageId = messageId ?? Guid.NewGuid());
    }

    public async Task StopAsync() => await app.StopAsync();

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await app.StopAsync();
        await app.DisposeAsync();
    }

    public static async Task WaitUntilAsync(Func<bool> condition, TimeSpan? timeout = null)
    {
        var until = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        while (!condition())
        {
            if (DateTime.UtcNow > until) throw new TimeoutException("condition not met in time");
            await Task.Delay(50);
        }
    }

    public static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan? timeout = null)
    {
        var until = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        while (!await condition())
        {
            if (DateTime.UtcNow > until) throw new TimeoutException("condition not met in time");
            await Task.Delay(50);
        }
    }
}
