using EscalationHub.Server.Clock;
using EscalationHub.Server.Concerns;
using EscalationHub.Server.Disagreements;
using EscalationHub.Server.Ledger;
using EscalationHub.Server.Messaging;
using EscalationHub.Server.Store;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using M = EscalationHub.Contracts.Messages;

namespace EscalationHub.Server.Tests;

/// <summary>The scheduler with a fake clock on a real SQLite store: it sleeps exactly until the next deadline and fires
/// once it has passed, never before.</summary>
public sealed class DeadlineSchedulerTests : IAsyncLifetime
{
    // Monday 4 January 2027, 10:00 GMT: North Wales stage 1 is due at the close of the 10th working day after it.
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2027, 1, 4, 10, 0, 0, TimeSpan.Zero));
    private readonly string directory = Path.Combine(Path.GetTempPath(), $"eh-scheduler-{Guid.NewGuid():N}");
    private IHost host = null!;

    public async Task InitializeAsync()
    {
        // The hub's own registrations (store, group commit, ledger, disagreements) with the fake clock, and without
        // the hosted scheduler: the test drives RunOnceAsync itself.
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = "Production" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Store:Path"] = Path.Combine(directory, "hub.db"),
            ["Agencies:0:Code"] = "uhl-health", ["Agencies:0:Type"] = "Health",
            ["Agencies:1:Code"] = "leics-socialcare", ["Agencies:1:Type"] = "SocialCare",
            ["Escalations:WarnBefore"] = "02:00:00",
            ["Escalations:SchedulerPollInterval"] = "00:05:00",
        });
        builder.Services.AddLogging();
        builder.Services.AddSingleton<OutboxSignal>();
        builder.AddHubClock();
        builder.Services.Replace(ServiceDescriptor.Singleton<TimeProvider>(clock));
        builder.AddHubStore();
        builder.AddConcerns();
        builder.AddHubLedger();
        builder.AddDisagreements();
        builder.Services.Remove(builder.Services.Single(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType == typeof(DeadlineScheduler)));
        host = builder.Build();
        await host.MigrateHubStoreAsync();
        await host.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await host.StopAsync();
        host.Dispose();
        try { Directory.Delete(directory, recursive: true); } catch (IOException) { }
    }

    private DeadlineScheduler NewScheduler() => new(host.Services.GetRequiredService<IServiceScopeFactory>(), host.Services.GetRequiredService<DisagreementSignals>(),
        host.Services.GetRequiredService<IOptions<EscalationOptions>>(), clock, NullLogger<DeadlineScheduler>.Instance);

    [Fact]
    public async Task It_sleeps_until_the_next_deadline_and_escalates_only_once_it_has_passed()
    {
        var id = await OpenAsync();
        var scheduler = NewScheduler();
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
        var scheduler = NewScheduler();

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
        await using var scope = host.Services.CreateAsyncScope();
        var services = scope.ServiceProvider;
        var opened = await services.GetRequiredService<HubUnitOfWork>().ExecuteAsync(async ct =>
        {
            var db = services.GetRequiredService<HubDbContext>();
            db.ChildFiles.Add(new ChildFile { Id = "CF-TEST0001", GivenName = "A", FamilyName = "B", DateOfBirth = new DateOnly(2020, 1, 1) });
            // The raising agency holds the child's file through a concern: only then may it open a disagreement about it.
            db.Concerns.Add(new Concern
            {
                Id = Guid.NewGuid(), Reference = "CN-TEST0001", ChildFileId = "CF-TEST0001", RaisedByAgency = "uhl-health", RaisedByRole = "Named nurse",
                IdempotencyKey = "concern-1", RequestHash = "x", AddressedToAgency = "leics-socialcare", Details = "d", RaisedAt = clock.GetUtcNow(),
            });
            await db.SaveChangesAsync(ct);
            return await services.GetRequiredService<OpenDisagreementHandler>().HandleAsync(new M.OpenDisagreement(
                "key-1", new M.ActorRef("uhl-health", "Named nurse"), ["leics-socialcare"], ["CF-TEST0001"], "ReferralBelowThreshold",
                M.HarmLevel.Standard, "Below threshold, we disagree", "north-wales-2014"), ct);
        }, CancellationToken.None);
        return opened.Id;
    }

    private long Scalar(string sql)
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(directory, "hub.db")};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar());
    }

    private long Stage(string id) => Scalar($"SELECT CurrentStage FROM Disagreements WHERE Id = '{id}'");

    private long Warnings() => Scalar("SELECT COUNT(*) FROM Outbox WHERE MessageType LIKE '%DeadlineApproaching'");
}
