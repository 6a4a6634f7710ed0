using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using V1 = EscalationHub.Contracts.V1;

namespace EscalationHub.Server.Grpc;

/// <summary>Ready once every registered health check has passed (store migrated and answering, bus started, agency
/// queues declared): the same checks the gRPC health service reports. Until then <see cref="ReadinessInterceptor"/>
/// refuses every call but the health and reflection services with UNAVAILABLE at once, instead of letting it wait for
/// the caller's deadline. Ready stays ready: a broker lost later is the outbox's to ride out (the health service
/// reports it live, so a load balancer stops sending new work).</summary>
public sealed class HubReadiness(HealthCheckService checks, ILogger<HubReadiness> logger)
{
    /// <summary>The names the health service answers besides "" (the whole hub): every service of the contracts.</summary>
    public static IReadOnlyList<string> ServiceNames { get; } =
    [
        V1.Concerns.Descriptor.FullName,
        V1.Escalations.Descriptor.FullName,
        V1.Ledger.Descriptor.FullName,
        V1.Operations.Descriptor.FullName,
    ];

    public const string NotReady = "hub starting: store or bus not ready";

    private static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(2);
    private readonly Lock gate = new();
    private Task<bool>? running;
    private volatile bool ready;

    public bool IsReady => ready;

    /// <summary>Whether the hub is ready, running the checks if it was not yet (callers arriving meanwhile share one run).</summary>
    public async ValueTask<bool> CheckAsync(CancellationToken cancellationToken)
    {
        if (ready) return true;
        Task<bool> check;
        lock (gate)
            check = running is { IsCompleted: false } ? running : running = RunChecksAsync();
        return await check.WaitAsync(cancellationToken);
    }

    private async Task<bool> RunChecksAsync()
    {
        using var timeout = new CancellationTokenSource(CheckTimeout);
        try
        {
            // The health service's own rule: SERVING unless a check is unhealthy.
            var report = await checks.CheckHealthAsync(timeout.Token);
            if (report.Status == HealthStatus.Unhealthy) return false;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        if (!ready) logger.LogInformation("EscalationHub ready: store and bus ready, calls are served");
        ready = true;
        return true;
    }
}

/// <summary>Until the hub is ready (<see cref="HubReadiness"/>), every call but health and reflection gets UNAVAILABLE
/// ("hub starting: store or bus not ready") before any service code runs, so callers and load balancers retry
/// elsewhere at once.</summary>
public sealed class ReadinessInterceptor(HubReadiness readiness) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
    {
        if (!readiness.IsReady) await AdmitAsync(context);
        return await continuation(request, context);
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        if (!readiness.IsReady) await AdmitAsync(context);
        await continuation(request, responseStream, context);
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        if (!readiness.IsReady) await AdmitAsync(context);
        return await continuation(requestStream, context);
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        if (!readiness.IsReady) await AdmitAsync(context);
        await continuation(requestStream, responseStream, context);
    }

    private async ValueTask AdmitAsync(ServerCallContext context)
    {
        // Health answers NOT_SERVING meanwhile; reflection needs neither store nor bus.
        if (context.Method.StartsWith("/grpc.health.v1.Health/", StringComparison.Ordinal)
            || context.Method.StartsWith("/grpc.reflection.", StringComparison.Ordinal)) return;
        if (!await readiness.CheckAsync(context.CancellationToken))
            throw new RpcException(new Status(StatusCode.Unavailable, HubReadiness.NotReady));
    }
}
