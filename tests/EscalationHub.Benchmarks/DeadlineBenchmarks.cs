using System.Diagnostics;
using EscalationHub.Contracts.Messages;
using EscalationHub.Server.Clock;
using EscalationHub.Server.Concerns;
using EscalationHub.Server.Disagreements;
using EscalationHub.Server.Ledger;
using EscalationHub.Server.Messaging;
using EscalationHub.Server.Operations;
using EscalationHub.Server.Store;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace EscalationHub.Benchmarks;

/// <summary>The deadline scheduler's cost per due deadline as open disagreements grow: a hub store (the hub's own
/// registrations, in this process, on a durable file) holding N open disagreements whose deadlines are far off, plus a
/// fixed number opened for real whose stage deadline has passed (the clock moved 30 days on); the scheduler's passes
/// (DeadlineScheduler.RunOnceAsync, the hub's code) are timed until nothing is due. Also timed: a pass with nothing due.</summary>
public static class DeadlineBenchmarks
{
    public sealed record Level(int Open, int Due, double MsPerDue, double IdlePassMs);

    public static async Task<List<Level>> RunAsync(int[] levels, int due, string directory)
    {
        var clock = new MovableClock();
        using var host = await StartAsync(directory, clock);
        var services = host.Services;
        var scheduler = ActivatorUtilities.CreateInstance<DeadlineScheduler>(services);

        string childFile;
        await using (var scope = services.CreateAsyncScope())
        {
            var raise = scope.ServiceProvider.GetRequiredService<RaiseConcernHandler>();
            var request = Calls.NewConcern(1);
            var raised = await scope.ServiceProvider.GetRequiredService<HubUnitOfWork>().ExecuteAsync(ct => raise.HandleAsync(new RaiseConcern(
                request.IdempotencyKey, new ChildDetails(request.Child.NhsNumber, "Amelia", "Testchild", new DateOnly(2024, 3, 14)),
                new ActorRef("uhl-health", "Named nurse"), "leics-socialcare", ConcernCategory.Neglect, HarmLevel.Standard, "Missed appointments"), ct), CancellationToken.None);
            childFile = raised.ChildFile.Id;
        }

        var results = new List<Level>();
        var filled = 0;
        foreach (var open in levels)
        {
            await FillAsync(Path.Combine(directory, "hub.db"), filled, open);
            filled = open;

            // The due ones are real disagreements, opened through the hub's handler, then the clock passes their deadline.
            await Task.WhenAll(Enumerable.Range(0, due).Select(i => Task.Run(async () =>
            {
                await using var scope = services.CreateAsyncScope();
                var handler = scope.ServiceProvider.GetRequiredService<OpenDisagreementHandler>();
                await scope.ServiceProvider.GetRequiredService<HubUnitOfWork>().ExecuteAsync(ct => handler.HandleAsync(new OpenDisagreement(
                    $"due-{open}-{i}", new ActorRef("uhl-health", "Named nurse"), ["leics-socialcare"], [childFile], "ReferralBelowThreshold",
                    HarmLevel.Standard, "We believe the referral meets the threshold", "north-wales-2014"), ct), CancellationToken.None);
            })));
            clock.Advance(TimeSpan.FromDays(30));

            var timer = Stopwatch.StartNew();
            var passes = 0;
            while (await scheduler.RunOnceAsync(CancellationToken.None) == TimeSpan.Zero) passes++;
            timer.Stop();
            var escalated = Count(directory, "SELECT COUNT(*) FROM Disagreements WHERE Id NOT LIKE 'DG-FILL-%' AND CurrentStage = 2");
            if (escalated < due) throw new InvalidOperationException($"only {escalated} of {due} due disagreements were escalated");

            // Escalated ones now have a stage 2 deadline: set them aside (no deadline) so the next level starts clean.
            Execute(directory, "UPDATE Disagreements SET AutoEscalateAt = NULL, WarnAt = NULL WHERE Id NOT LIKE 'DG-FILL-%'");

            var idle = Stopwatch.StartNew();
            for (var i = 0; i < 20; i++) await scheduler.RunOnceAsync(CancellationToken.None);
            idle.Stop();
            var level = new Level(open, due, timer.Elapsed.TotalMilliseconds / due, idle.Elapsed.TotalMilliseconds / 20);
            Console.WriteLine($"deadline scheduler, {open:N0} open + {due} due: {level.MsPerDue:N2} ms per due deadline ({passes + 1} passes), pass with nothing due {level.IdlePassMs:N2} ms");
            results.Add(level);
        }
        await host.StopAsync();
        SqliteConnection.ClearAllPools();
        return results;
    }

    /// <summary>Open disagreements whose deadlines (and warnings) are far off: never due, but in the scheduler's indexes.</summary>
    private static async Task FillAsync(string database, int from, int to)
    {
        if (to <= from) return;
        await using var connection = new SqliteConnection($"Data Source={database};Pooling=False;Default Timeout=60");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        var far = new DateTimeOffset(2200, 1, 1, 0, 0, 0, TimeSpan.Zero).UtcTicks;
        command.CommandText = """
            PRAGMA busy_timeout=60000;
            BEGIN IMMEDIATE;
            WITH RECURSIVE n(i) AS (SELECT $from UNION ALL SELECT i + 1 FROM n WHERE i + 1 < $to)
            INSERT INTO Disagreements (Id, ProfileId, RaisedByAgency, IdempotencyKey, RequestHash, OpenedAt, Status, CurrentStage,
                                       CurrentDeadlineAt, AutoEscalateAt, WarnAt, Version, StateJson)
            SELECT 'DG-FILL-' || i, 'north-wales-2014', 'uhl-health', 'fill-' || i, '', $now, 'Open', 1,
                   $far + i * 10000000, $far + i * 10000000, $far + i * 10000000 - 72000000000, 1, '{}'
            FROM n;
            COMMIT;
            """;
        command.Parameters.AddWithValue("$from", from);
        command.Parameters.AddWithValue("$to", to);
        command.Parameters.AddWithValue("$now", DateTimeOffset.UtcNow.UtcTicks);
        command.Parameters.AddWithValue("$far", far);
        command.CommandTimeout = 600;
        var timer = Stopwatch.StartNew();
        await command.ExecuteNonQueryAsync();
        Console.WriteLine($"open disagreements filled from {from:N0} to {to:N0} in {timer.Elapsed.TotalSeconds:F1} s");
    }

    private static long Count(string directory, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(directory, "hub.db")};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (long)command.ExecuteScalar()!;
    }

    private static void Execute(string directory, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(directory, "hub.db")};Pooling=False;Default Timeout=60");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static async Task<IHost> StartAsync(string directory, MovableClock clock)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = "Production" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Store:Path"] = Path.Combine(directory, "hub.db"),
            ["Agencies:0:Code"] = "uhl-health", ["Agencies:0:Name"] = "University Hospitals of Leicester NHS Trust", ["Agencies:0:Type"] = "Health",
            ["Agencies:1:Code"] = "leics-socialcare", ["Agencies:1:Name"] = "Leicestershire Children and Family Services", ["Agencies:1:Type"] = "SocialCare",
        });
        builder.Services.AddLogging();
        builder.AddHubClock();
        builder.Services.Replace(ServiceDescriptor.Singleton<TimeProvider>(clock));
        builder.Services.AddSingleton<OutboxSignal>();
        builder.Services.AddSingleton<FlowSignal>();
        builder.AddHubStore();
        builder.AddConcerns();
        builder.AddDisagreements();
        builder.AddHubLedger();
        // The scheduler is driven by the benchmark, pass by pass: not as a background service.
        builder.Services.RemoveAll<IHostedService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<CommitCoordinator>());
        var host = builder.Build();
        await host.MigrateHubStoreAsync();
        await host.StartAsync();
        return host;
    }

    private sealed class MovableClock : TimeProvider
    {
        private TimeSpan offset;

        public void Advance(TimeSpan by) => offset += by;

        public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + offset;
    }
}
