using EscalationHub.Domain.Calendar;
using EscalationHub.Domain.Policies;
using EscalationHub.Server.Agencies;
using EscalationHub.Server.Concerns;
using EscalationHub.Server.Disagreements;
using EscalationHub.Server.Messaging;
using EscalationHub.Server.Store;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using M = EscalationHub.Contracts.Messages;

namespace EscalationHub.Server.Tests;

/// <summary>The scheduler with a fake clock on a real SQLite store: it sleeps exactly until the next deadline and fires
/// once it has passed, never before.</summary>
public sealed class DeadlineSchedulerTests : IDisposable
{
    // Monday 4 January 2027, 10:00 GMT: North Wales stage 1 is due at the close of the 10th working day after it.
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2027, 1, 4, 10, 0, 0, TimeSpan.Zero));
    private readonly SqliteStore store = new();
    private readonly ServiceProvider services;

    public DeadlineSchedulerTests()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Agencies:0:Code"] = "uhl-health", ["Agencies:0:Type"] = "Health",
            ["Agencies:1:Code"] = "leics-socialcare", ["Agencies:1:Type"] = "SocialCare",
        }).Build();
        services = new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddSingleton<TimeProvider>(clock)
            .AddSingleton(WorkingCalendar.EnglandAndWales)
            .AddSingleton(PolicyProfiles.LoadEmbedded())
            .AddSingleton<AgencyDirectory>()
            .AddSingleton<OutboxSignal>()
            .AddSingleton<DisagreementSignals>()
            .AddSingleton(Options.Create(new EscalationOptions { WarnBefore = TimeSpan.FromHours(2), SchedulerPollInterval = TimeSpan.FromMinutes(5) }))
            .AddDbContext<HubDbContext>(o => o.UseSqlite($"Data Source={store.DatabasePath};Pooling=False"))
            .AddScoped<DisagreementStore>()
            .AddScoped<OpenDisagreementHandler>()
            .AddScoped<EscalateOverdueHandler>()
            .BuildServiceProvider();
    }

    public void Dispose()
    {
        services.Dispose();
        store.Dispose();
    }

    [Fact]
    public async Task It_sleeps_until_the_next_deadline_and_escalates_only_once_it_has_passed()
    {
        var id = await OpenAsync();
        var scheduler = new DeadlineScheduler(services.GetRequiredService<IServiceScopeFactory>(), services.GetRequiredService<DisagreementSignals>(),
            services.GetRequiredService<IOptions<EscalationOptions>>(), clock, NullLogger<DeadlineScheduler>.Instance);
        var due = new DateTimeOffset(2027, 1, 18, 17, 0, 0, TimeSpan.Zero); // 10 working days: Mon 18 Jan, 17:00 GMT

        clock.SetUtcNow(due.AddMinutes(-1));
        var sleep = await scheduler.RunOnceAsync(CancellationToken.None);
        Assert.Equal(1, Stage(id));
        Assert.InRange(sleep, TimeSpan.FromSeconds(59), TimeSpan.FromSeconds(61));

        clock.SetUtcNow(due);
        await scheduler.RunOnceAsync(CancellationToken.None);
        Assert.Equal(1, Stage(id)); // due at 17:00 means still in time at 17:00

        clock.SetUtcNow(due.AddMilliseconds(1));
        await scheduler.RunOnceAsync(CancellationToken.None);
        Assert.Equal(2, Stage(id));

        await scheduler.RunOnceAsync(CancellationToken.None);
        Assert.Equal(2, Stage(id)); // fired once
    }

    [Fact]
    public async Task Parties_are_warned_once_two_hours_before_the_deadline()
    {
        await OpenAsync();
        var scheduler = new DeadlineScheduler(services.GetRequiredService<IServiceScopeFactory>(), services.GetRequiredService<DisagreementSignals>(),
            services.GetRequiredService<IOptions<EscalationOptions>>(), clock, NullLogger<DeadlineScheduler>.Instance);

        clock.SetUtcNow(new DateTimeOffset(2027, 1, 18, 14, 59, 0, TimeSpan.Zero));
        await scheduler.RunOnceAsync(CancellationToken.None);
        Assert.Equal(0, Warnings());

        clock.SetUtcNow(new DateTimeOffset(2027, 1, 18, 15, 0, 0, TimeSpan.Zero));
        await scheduler.RunOnceAsync(CancellationToken.None);
        await scheduler.RunOnceAsync(CancellationToken.None);
        Assert.Equal(2, Warnings()); // one per party, once
    }

    private async Task<string> OpenAsync()
    {
        using (var db = store.NewContext())
        {
            db.ChildFiles.Add(new ChildFile { Id = "CF-TEST0001", GivenName = "A", FamilyName = "B", DateOfBirth = new DateOnly(2020, 1, 1) });
            await db.SaveChangesAsync();
        }
        await using var scope = services.CreateAsyncScope();
        var opened = await scope.ServiceProvider.GetRequiredService<OpenDisagreementHandler>().HandleAsync(new M.OpenDisagreement(
            "key-1", new M.ActorRef("uhl-health", "Named nurse"), ["leics-socialcare"], ["CF-TEST0001"], "ReferralBelowThreshold",
            M.HarmLevel.Standard, "Below threshold, we disagree", "north-wales-2014"), CancellationToken.None);
        return opened.Id;
    }

    private int Stage(string id)
    {
        using var db = store.NewContext();
        return db.Disagreements.Single(d => d.Id == id).CurrentStage;
    }

    private int Warnings()
    {
        using var db = store.NewContext();
        return db.Outbox.Count(o => o.MessageType.EndsWith("DeadlineApproaching"));
    }
}
