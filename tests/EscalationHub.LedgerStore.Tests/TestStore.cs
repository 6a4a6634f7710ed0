using EscalationHub.Contracts.Messages;
using EscalationHub.Ledger;
using EscalationHub.Server.Concerns;
using EscalationHub.Server.Ledger;
using EscalationHub.Server.Messaging;
using EscalationHub.Server.Store;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace EscalationHub.LedgerStore.Tests;

/// <summary>The hub's store (EF Core, SQLite file, commit coordinator, ledger) in process, in a fresh directory.</summary>
public sealed class TestStore : IAsyncDisposable
{
    private readonly IHost host;

    private TestStore(IHost host, string directory)
    {
        this.host = host;
        Directory = directory;
    }

    public string Directory { get; }
    public string DatabasePath => Path.Combine(Directory, "hub.db");
    public IServiceProvider Services => host.Services;

    public static async Task<TestStore> StartAsync()
    {
        var directory = Path.Combine(Path.GetTempPath(), $"eh-store-{Guid.NewGuid():N}");
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = "Production" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Store:Path"] = Path.Combine(directory, "hub.db"),
            ["Agencies:0:Code"] = "uhl-health", ["Agencies:0:Type"] = "Health",
            ["Agencies:1:Code"] = "leics-socialcare", ["Agencies:1:Type"] = "SocialCare",
            ["Agencies:2:Code"] = "leics-police", ["Agencies:2:Type"] = "Police",
        });
        builder.Services.AddLogging();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<OutboxSignal>();
        builder.AddHubStore();
        builder.AddConcerns();
        builder.AddHubLedger();
        var host = builder.Build();
        await host.MigrateHubStoreAsync();
        await host.StartAsync();
        return new TestStore(host, directory);
    }

    /// <summary>Runs one command the way the hub does: in its own scope, through the unit of work (group commit).</summary>
    public async Task<T> RunAsync<T>(Func<IServiceProvider, CancellationToken, Task<T>> work)
    {
        await using var scope = host.Services.CreateAsyncScope();
        var unit = scope.ServiceProvider.GetRequiredService<HubUnitOfWork>();
        return await unit.ExecuteAsync(ct => work(scope.ServiceProvider, ct), CancellationToken.None);
    }

    /// <summary>Appends one entry in its own command (so its own commit and signed tree head).</summary>
    public Task<long> AppendAsync(string childFileId, string type = "concern.raised", string payload = "{}") =>
        RunAsync((sp, _) =>
        {
            var staged = sp.GetRequiredService<LedgerWriter>().AppendBytes(childFileId, "case-1", type, "uhl-health", "Paediatric registrar",
                DateTimeOffset.UtcNow, System.Text.Encoding.UTF8.GetBytes(payload));
            return Task.FromResult(staged);
        }).ContinueWith(t => t.Result.Sequence!.Value);

    public Task<RaisedConcern> RaiseConcernAsync(string idempotencyKey, string? nhsNumber = null) =>
        RunAsync((sp, ct) => sp.GetRequiredService<RaiseConcernHandler>().HandleAsync(new RaiseConcern(
            idempotencyKey,
            new ChildDetails(nhsNumber, "Amelia", "Testchild", new DateOnly(2024, 3, 14)),
            new ActorRef("uhl-health", "Paediatric registrar"),
            "leics-socialcare",
            ConcernCategory.PhysicalAbuse,
            HarmLevel.SignificantHarm,
            "Bruising to both arms"), ct));

    public SqliteConnection OpenConnection()
    {
        var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False");
        connection.Open();
        return connection;
    }

    public long Scalar(string sql)
    {
        using var connection = OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar());
    }

    public void Execute(string sql)
    {
        using var connection = OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    public List<SignedTreeHead> Heads()
    {
        using var connection = OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT TreeSize, RootHash, TimestampTicks, Signature FROM LedgerTreeHeads ORDER BY TreeSize";
        using var reader = command.ExecuteReader();
        var heads = new List<SignedTreeHead>();
        while (reader.Read())
            heads.Add(LedgerTreeHeads.FromRecord(new LedgerTreeHeadRecord
            {
                TreeSize = reader.GetInt64(0), RootHash = (byte[])reader[1], TimestampTicks = reader.GetInt64(2), Signature = (byte[])reader[3],
            }));
        return heads;
    }

    /// <summary>Every entry row in sequence order, as the verifier reads it.</summary>
    public List<(long Sequence, byte[] Bytes)> Entries()
    {
        using var connection = OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT Sequence, EntryBytes FROM LedgerEntries ORDER BY Sequence";
        using var reader = command.ExecuteReader();
        var rows = new List<(long, byte[])>();
        while (reader.Read()) rows.Add((reader.GetInt64(0), (byte[])reader[1]));
        return rows;
    }

    public LedgerVerificationResult Verify()
    {
        var heads = Heads();
        var key = Services.GetRequiredService<HubSigningKey>().Key;
        return LedgerVerifier.Verify(Entries().Select(r => LedgerRow.ForEntry(r.Sequence, r.Bytes)), heads[^1], key,
            new LedgerVerificationOptions { Checkpoints = heads });
    }

    /// <summary>Stops the hub's writer so an attacker can work on the file alone.</summary>
    public async Task StopAsync() => await host.StopAsync();

    public async ValueTask DisposeAsync()
    {
        await host.StopAsync();
        host.Dispose();
        SqliteConnection.ClearAllPools();
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
    }
}
