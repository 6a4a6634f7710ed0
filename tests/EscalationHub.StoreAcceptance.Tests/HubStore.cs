using EscalationHub.Contracts.Messages;
using EscalationHub.Ledger;
using EscalationHub.Messaging;
using EscalationHub.Server.Clock;
using EscalationHub.Server.Concerns;
using EscalationHub.Server.Disagreements;
using EscalationHub.Server.Ledger;
using EscalationHub.Server.Messaging;
using EscalationHub.Server.Operations;
using EscalationHub.Server.Store;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace EscalationHub.StoreAcceptance.Tests;

/// <summary>
/// The hub's store as the hub registers it (store, group commit, ledger, concerns, disagreements), in process, with a
/// fake clock and MassTransit's in-memory transport for the outbox; the backend is whatever <c>Store:*</c> settings say.
/// The scheduler and the dispatcher are not hosted: tests drive them.
/// </summary>
public sealed class HubStore : IAsyncDisposable
{
    private readonly IHost host;

    private HubStore(IHost host, FakeTimeProvider clock)
    {
        this.host = host;
        Clock = clock;
    }

    public FakeTimeProvider Clock { get; }
    public IServiceProvider Services => host.Services;
    public List<(Guid MessageId, string Queue)> Delivered { get; } = [];

    // Monday 4 January 2027, 10:00 GMT.
    public static readonly DateTimeOffset Start = new(2027, 1, 4, 10, 0, 0, TimeSpan.Zero);

    public static async Task<HubStore> StartAsync(IDictionary<string, string?> storeSettings)
    {
        var clock = new FakeTimeProvider(Start);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = "Production" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Agencies:0:Code"] = "uhl-health", ["Agencies:0:Type"] = "Health",
            ["Agencies:1:Code"] = "leics-socialcare", ["Agencies:1:Type"] = "SocialCare",
            ["Escalations:SchedulerPollInterval"] = "00:05:00",
        });
        builder.Configuration.AddInMemoryCollection(storeSettings);
        builder.Services.AddLogging();
        builder.Services.AddSingleton<OutboxSignal>();
        builder.AddHubClock();
        builder.Services.Replace(ServiceDescriptor.Singleton<TimeProvider>(clock));
        builder.AddHubStore();
        builder.AddConcerns();
        builder.AddHubLedger();
        builder.AddDisagreements();
        builder.Services.Remove(builder.Services.Single(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType == typeof(DeadlineScheduler)));
        // The operators' read models (as AddOperations registers them, without its hosting and broker scans).
        builder.Services.AddScoped<FlowQueries>();
        builder.Services.AddScoped<GetFlowStatistics>();
        builder.Services.AddScoped<ListOverdueStages>();
        builder.Services.AddScoped<IStageDeadlineSource, ConcernDecisionDeadlines>();
        builder.Services.AddScoped<IStageDeadlineSource, DisagreementStageDeadlines>();
        builder.Services.AddScoped<IReportCaseSource, ConcernReportCases>();
        builder.Services.AddScoped<IReportCaseSource, DisagreementReportCases>();
        builder.Services.AddScoped<BuildPartnershipReport>();
        HubStore? self = null;
        builder.Services.AddMassTransit(x => x.UsingInMemory((_, cfg) =>
        {
            cfg.ReceiveEndpoint("agency.leics-socialcare", e => e.Handler<ConcernRaised>(c => self!.Deliver(c, "agency.leics-socialcare")));
            cfg.ReceiveEndpoint("agency.uhl-health", e => e.Handler<ConcernAccepted>(c => self!.Deliver(c, "agency.uhl-health")));
        }));
        var host = builder.Build();
        self = new HubStore(host, clock);
        await host.MigrateHubStoreAsync();
        await host.StartAsync();
        return self;
    }

    private Task Deliver(ConsumeContext context, string queue)
    {
        lock (Delivered) Delivered.Add((context.MessageId!.Value, queue));
        return Task.CompletedTask;
    }

    /// <summary>Runs one command the way the hub does: in its own scope, through the unit of work (group commit).</summary>
    public async Task<T> RunAsync<T>(Func<IServiceProvider, CancellationToken, Task<T>> work)
    {
        await using var scope = host.Services.CreateAsyncScope();
        var unit = scope.ServiceProvider.GetRequiredService<HubUnitOfWork>();
        return await unit.ExecuteAsync(ct => work(scope.ServiceProvider, ct), CancellationToken.None);
    }

    public Task<RaisedConcern> RaiseConcernAsync(string idempotencyKey, string? nhsNumber = null) =>
        RunAsync((sp, ct) => sp.GetRequiredService<RaiseConcernHandler>().HandleAsync(new RaiseConcern(
            idempotencyKey,
            new ChildDetails(nhsNumber, "Amelia", "Testchild", new DateOnly(2024, 3, 14)),
            new ActorRef("uhl-health", "Paediatric registrar"),
            "leics-socialcare",
            ConcernCategory.PhysicalAbuse,
            HarmLevel.SignificantHarm,
            "Bruising to both arms"), ct));

    /// <summary>Opens a disagreement about a child whose file the raiser holds: it raised a concern about the child
    /// first (an agency may open a disagreement only about child files it already holds).</summary>
    public async Task<string> OpenDisagreementAsync(string key)
    {
        var raised = await RaiseConcernAsync($"about-{key}");
        return await RunAsync(async (sp, ct) => (await sp.GetRequiredService<OpenDisagreementHandler>().HandleAsync(new OpenDisagreement(
            key, new ActorRef("uhl-health", "Named nurse"), ["leics-socialcare"], [raised.ChildFile.Id], "ReferralBelowThreshold",
            HarmLevel.Standard, "Below threshold, we disagree", "north-wales-2014"), ct)).Id);
    }

    public DeadlineScheduler NewScheduler() => new(host.Services.GetRequiredService<IServiceScopeFactory>(), host.Services.GetRequiredService<DisagreementSignals>(),
        host.Services.GetRequiredService<IOptions<EscalationOptions>>(), Clock, NullLogger<DeadlineScheduler>.Instance);

    public async Task<OutboxDispatcher> StartDispatcherAsync()
    {
        var endpoints = new BusEndpoints();
        endpoints.MarkSendQueuesDeclared();
        var dispatcher = new OutboxDispatcher(host.Services.GetRequiredService<IServiceScopeFactory>(), host.Services.GetRequiredService<IBus>(), endpoints,
            host.Services.GetRequiredService<OutboxSignal>(), new FlowSignal(),
            Options.Create(new OutboxOptions { PollInterval = TimeSpan.FromMilliseconds(50) }), TimeProvider.System, NullLogger<OutboxDispatcher>.Instance);
        await dispatcher.StartAsync(CancellationToken.None);
        return dispatcher;
    }

    /// <summary>A read on a fresh context of the hub's own store.</summary>
    public async Task<T> QueryAsync<T>(Func<HubDbContext, Task<T>> query)
    {
        await using var scope = host.Services.CreateAsyncScope();
        return await query(scope.ServiceProvider.GetRequiredService<HubDbContext>());
    }

    public Task<int> ExecuteSqlAsync(string sql) => QueryAsync(db => db.Database.ExecuteSqlRawAsync(sql));

    /// <summary>The whole log as a verifier reads it, checked against every signed tree head.</summary>
    public async Task<(LedgerVerificationResult Result, List<long> Sequences)> VerifyLedgerAsync()
    {
        var (entries, heads) = await QueryAsync(async db => (
            await db.LedgerEntries.AsNoTracking().OrderBy(e => e.Sequence).Select(e => new { e.Sequence, e.EntryBytes }).ToListAsync(),
            await db.LedgerTreeHeads.AsNoTracking().OrderBy(h => h.TreeSize).ToListAsync()));
        var signed = heads.Select(LedgerTreeHeads.FromRecord).ToList();
        var key = Services.GetRequiredService<HubSigningKey>().Key;
        var result = LedgerVerifier.Verify(entries.Select(r => LedgerRow.ForEntry(r.Sequence, r.EntryBytes)), signed[^1], key,
            new LedgerVerificationOptions { Checkpoints = signed });
        return (result, entries.Select(e => e.Sequence).ToList());
    }

    public async ValueTask DisposeAsync()
    {
        await host.StopAsync();
        host.Dispose();
    }
}
