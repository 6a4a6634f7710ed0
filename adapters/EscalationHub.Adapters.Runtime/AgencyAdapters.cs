using EscalationHub.Adapters.Runtime.Ledger;
using EscalationHub.Adapters.Runtime.AgencySystem;
using EscalationHub.Contracts.Messages;
using EscalationHub.Messaging;
using EscalationHub.Security;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace EscalationHub.Adapters.Runtime;

/// <summary>One agency's adapter as the runtime knows it: its code, its inbox, what it owes its agency system and
/// (with no real agency system configured) what the simulator of that system received; all in one SQLite file.</summary>
public sealed record AgencyAdapter(string AgencyCode, AdapterInbox Inbox, AgencyOutbox Outbox, SimulatorLog Simulator)
{
    /// <summary>The concerns and disagreements this agency is party to, as the hub told the adapter.</summary>
    public CaseDirectory Cases { get; init; } = null!;
}

/// <summary>The adapters hosted in this process: one in a standalone adapter, up to four in the embedded default.
/// A consumer finds the adapter it serves from the queue the message arrived on.</summary>
public sealed class AgencyAdapters
{
    private readonly Dictionary<string, AgencyAdapter> byQueue = [];

    internal void Add(AgencyAdapter adapter) => byQueue[Addresses.AgencyQueue(adapter.AgencyCode)] = adapter;

    public AgencyAdapter For(ConsumeContext context)
    {
        var queue = context.ReceiveContext.InputAddress.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries).Last();
        return byQueue.TryGetValue(queue, out var adapter)
            ? adapter
            : throw new InvalidOperationException($"no adapter in this process serves queue '{queue}'");
    }

    /// <summary>The adapter the message was consumed for, or null when it arrived on another endpoint of the process
    /// (in the embedded default, the hub's own inbound queue).</summary>
    public AgencyAdapter? TryFor(ConsumeContext context)
    {
        var queue = context.ReceiveContext.InputAddress.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries).LastOrDefault();
        return queue is not null && byQueue.TryGetValue(queue, out var adapter) ? adapter : null;
    }

    public AgencyAdapter ForAgency(string agencyCode) => byQueue[Addresses.AgencyQueue(agencyCode)];

    public IReadOnlyCollection<AgencyAdapter> All => byQueue.Values;
}

public static class AgencyAdapterRegistration
{
    /// <summary>Hosts one agency's adapter: its queue on the bus with the given consumers, the feedback every
    /// raising agency receives, and an inbox at {dataDirectory}/adapter-{agencyCode}.db.</summary>
    public static IHostApplicationBuilder AddAgencyAdapter(
        this IHostApplicationBuilder builder,
        string agencyCode,
        string dataDirectory,
        Action<IBusRegistrationConfigurator> registerConsumers,
        Action<IReceiveEndpointConfigurator, IBusRegistrationContext> configureConsumers)
    {
        var services = builder.Services;
        var adapters = services.Select(d => d.ImplementationInstance).OfType<AgencyAdapters>().FirstOrDefault();
        if (adapters is null)
        {
            adapters = new AgencyAdapters();
            services.AddSingleton(adapters);
            services.AddSingleton<HubSender>();
            services.TryAddSingleton(TimeProvider.System);
            AddLedger(builder);
            services.AddConsumeObserver<DeliveryReceipts>();
            services.AddHostedService<AdapterHeartbeats>();
        }

        DataAtRest.PrepareFolder(dataDirectory);
        var database = Path.Combine(dataDirectory, $"adapter-{agencyCode}.db");
        adapters.Add(new AgencyAdapter(agencyCode, new AdapterInbox(database), new AgencyOutbox(database), new SimulatorLog(database))
        {
            Cases = new CaseDirectory(database),
        });
        services.Select(d => d.ImplementationInstance).OfType<AgencyLedgers>().Single().Add(agencyCode, database, dataDirectory);
        // Nothing to declare for sending: the adapter writes to its own inbound exchange, which the hub (or the
        // broker's definitions) binds to the hub's inbound queue; the adapter's broker user may not declare that queue.
        var bus = services.GetBusEndpoints();
        bus.Endpoints.Add(new EndpointDefinition(
            Addresses.AgencyQueue(agencyCode),
            x =>
            {
                registerConsumers(x);
                x.AddConsumer<ConcernFeedbackConsumer>();
                x.AddConsumer<DisagreementNoticeConsumer>();
                x.AddConsumer<ChildFileNoticeConsumer>();
            },
            (e, context) =>
            {
                configureConsumers(e, context);
                e.ConfigureConsumer<ConcernFeedbackConsumer>(context);
                e.ConfigureConsumer<DisagreementNoticeConsumer>(context);
                e.ConfigureConsumer<ChildFileNoticeConsumer>(context);
            }));
        return builder;
    }

    // The agency's copy of its child files (verified against the hub, Hub:Address) and its record-approval key.
    private static void AddLedger(IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSingleton(new AgencyLedgers());
        services.Configure<HubLedgerSettings>(builder.Configuration.GetSection(HubLedgerSettings.Section));
        services.AddSingleton<LedgerReplicator>();
        services.AddHostedService(sp => sp.GetRequiredService<LedgerReplicator>());
        services.AddHostedService<AgencyKeyRegistration>();
        services.AddSingleton<RecordApprovals>();
    }
}
