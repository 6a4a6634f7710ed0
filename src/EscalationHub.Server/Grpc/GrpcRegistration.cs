using EscalationHub.Server.Concerns;
using EscalationHub.Server.Disagreements;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace EscalationHub.Server.Grpc;

public static class GrpcRegistration
{
    /// <summary>Largest request the hub reads; larger ones are refused with RESOURCE_EXHAUSTED before any work.</summary>
    public const int MaxRequestBytes = 64 * 1024;

    public static IHostApplicationBuilder AddHubGrpc(this IHostApplicationBuilder builder)
    {
        builder.Services.AddGrpc(options =>
        {
            options.MaxReceiveMessageSize = MaxRequestBytes;
            options.EnableDetailedErrors = false;
            // Who is calling and what it may do comes first (Security/CallerInterceptor), then the hub's refusals.
            options.Interceptors.Add<Security.CallerInterceptor>();
            options.Interceptors.Add<HubExceptionInterceptor>();
        });
        builder.Services.AddSingleton(Messaging.WatchSettings.From(builder.Configuration));
        builder.Services.AddGrpcReflection();
        // SERVING only when every registered check (store, bus, agency queues) is healthy.
        builder.Services.AddGrpcHealthChecks();
        return builder;
    }

    public static WebApplication MapHubGrpc(this WebApplication app)
    {
        // No certificate, no parsing: UNAUTHENTICATED before grpc-dotnet reads a request body.
        app.UseMiddleware<Security.CallerAuthentication>();
        app.MapGrpcService<ConcernsService>();
        app.MapGrpcService<EscalationsService>();
        app.MapGrpcHealthChecksService();
        app.MapGrpcReflectionService();
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
            foreach (var address in addresses.Where(a => !Operations.DashboardHosting.IsDashboardAddress(app.Configuration, a)))
                Console.WriteLine($"EscalationHub gRPC listening on {address} (HTTP/2)");
        });
        return app;
    }
}
