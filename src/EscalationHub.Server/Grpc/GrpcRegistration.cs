using EscalationHub.Server.Concerns;
using EscalationHub.Server.Disagreements;
using EscalationHub.Server.Operations;

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
            // Who is calling and what it may do comes first (Security/CallerInterceptor), then whether the hub is ready
            // (UNAVAILABLE at once until store and bus are), then the hub's refusals.
            options.Interceptors.Add<Security.CallerInterceptor>();
            options.Interceptors.Add<ReadinessInterceptor>();
            options.Interceptors.Add<HubExceptionInterceptor>();
        });
        builder.Services.AddSingleton(Messaging.WatchSettings.From(builder.Configuration));
        builder.Services.AddGrpcReflection();
        builder.Services.AddSingleton<HubReadiness>();
        // SERVING only when every registered check (store, bus, agency queues) is healthy: for the hub ("") and for each
        // service by its full name (escalationhub.v1.Concerns, ...), as load balancers check per service.
        builder.Services.AddGrpcHealthChecks(options =>
        {
            foreach (var name in HubReadiness.ServiceNames) options.Services.Map(name, _ => true);
        });
        return builder;
    }

    public static WebApplication MapHubGrpc(this WebApplication app)
    {
        // No certificate, no parsing: UNAUTHENTICATED before grpc-dotnet reads a request body.
        app.UseMiddleware<Security.CallerAuthentication>();
        // On the gRPC listener(s) only (Operations/HubListeners), whatever a request's Host header says.
        app.MapGrpcService<ConcernsService>().RequireListener(Operations.HubListeners.Grpc);
        app.MapGrpcService<EscalationsService>().RequireListener(Operations.HubListeners.Grpc);
        app.MapGrpcHealthChecksService().RequireListener(Operations.HubListeners.Grpc);
        app.MapGrpcReflectionService().RequireListener(Operations.HubListeners.Grpc);
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            foreach (var address in app.Services.GetRequiredService<HubListeners>().Urls(HubListeners.Grpc))
                Console.WriteLine($"EscalationHub gRPC listening on {address} (HTTP/2)");
        });
        return app;
    }
}
