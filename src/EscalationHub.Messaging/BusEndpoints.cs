using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace EscalationHub.Messaging;

/// <summary>A receive endpoint a module of the process owns: its queue name, the consumers it registers and
/// how they are attached to the queue.</summary>
public sealed record EndpointDefinition(
    string QueueName,
    Action<IBusRegistrationConfigurator> Register,
    Action<IReceiveEndpointConfigurator, IBusRegistrationContext> Configure);

/// <summary>An exchange-to-exchange binding declared on the broker: what is written to <paramref name="Source"/>
/// is routed to <paramref name="Destination"/>.</summary>
public sealed record ExchangeBinding(string Source, string Destination);

/// <summary>The endpoints the modules of one process contribute before the bus is built (the hub's inbound
/// queue, and in the embedded default each in-process adapter's agency queue).</summary>
public sealed class BusEndpoints
{
    public List<EndpointDefinition> Endpoints { get; } = [];

    /// <summary>Applied to every receive endpoint of the process before its own configuration (e.g. the hub's
    /// dead-letter recording in the error pipe).</summary>
    public List<Action<IReceiveEndpointConfigurator, IBusRegistrationContext>> Conventions { get; } = [];

    /// <summary>Queues this process sends to and must exist before anything is sent (so nothing is unroutable).</summary>
    public HashSet<string> SendQueues { get; } = [];

    /// <summary>Exchanges bound to other exchanges before anything is sent (each agency's inbound exchange to
    /// the hub's inbound exchange). Declared after <see cref="SendQueues"/>.</summary>
    public HashSet<ExchangeBinding> ExchangeBindings { get; } = [];

    private readonly TaskCompletionSource sendQueuesDeclared = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once <see cref="SendQueues"/> exist on the transport; senders wait for it.</summary>
    public Task SendQueuesDeclared => sendQueuesDeclared.Task;

    /// <summary>Called once the queues exist (at once for the in-memory transport, which creates them with the endpoints).</summary>
    public void MarkSendQueuesDeclared() => sendQueuesDeclared.TrySetResult();
}

public static class BusEndpointsExtensions
{
    public static BusEndpoints GetBusEndpoints(this IServiceCollection services)
    {
        var existing = services.Select(d => d.ImplementationInstance).OfType<BusEndpoints>().FirstOrDefault();
        if (existing is not null) return existing;
        var endpoints = new BusEndpoints();
        services.AddSingleton(endpoints);
        return endpoints;
    }
}
