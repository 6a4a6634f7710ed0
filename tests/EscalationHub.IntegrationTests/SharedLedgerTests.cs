using System.Net.Http.Json;
using EscalationHub.IntegrationTests.Infrastructure;
using Microsoft.Data.Sqlite;
using L = EscalationHub.Ledger;
using V1 = EscalationHub.Contracts.V1;

namespace EscalationHub.IntegrationTests;

/// <summary>Agency copies of the joint child file on the real broker: the hub, the social care adapter and a second
/// adapter for the raising hospital (uhl-health), each its own process, each verifying the file on its own.</summary>
[Collection(BrokerCollection.Name)]
public sealed class SharedLedgerTests(RabbitMqNode broker) : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly List<IAsyncDisposable> running = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var item in Enumerable.Reverse(running)) await item.DisposeAsync();
    }

    private async Task<T> Run<T>(Task<T> starting) where T : IAsyncDisposable
    {
        var started = await starting;
        running.Add(started);
        return started;
    }

    private static async Task<T> EventuallyAsync<T>(Func<T> read, Func<T, bool> done, string what)
    {
        var until = DateTime.UtcNow + Patience;
        var value = read();
        while (!done(value))
        {
            if (DateTime.UtcNow > until) throw new TimeoutException($"timed out waiting for {what}");
            await Task.Delay(200);
            value = read();
        }
        return value;
    }

    /// <summary>The entries that record what happened, without the audit entries of reads (which each replica's own
    /// syncs add, so two replicas need not hold the same ones at the same moment).</summary>
    private static List<(long Index, byte[] Bytes, byte[] LeafHash)> Content(List<(long Index, byte[] Bytes, byte[] LeafHash)> entries) =>
        entries.Where(e => L.LedgerEntry.Parse(e.Bytes).EntryType != "child-file.read").ToList();

    private static byte[] FileRoot(IEnumerable<(long Index, byte[] Bytes, byte[] LeafHash)> entries)
    {
        var frontier = new L.MerkleFrontier();
        foreach (var entry in entries) frontier.Append(L.TreeHasher.HashLeaf(entry.Bytes));
        return frontier.RootHash.ToArray();
    }

    [Fact]
    public async Task Two_agencies_hold_the_same_child_file_verify_it_independently_agree_on_its_root_and_see_a_signed_approval()
    {
        var hub = await Run(TestHub.StartAsync(broker.AmqpUri));
        var socialCare = await Run(TestAdapter.StartSocialCareAsync(broker.AmqpUri, hubAddress: hub.Address));
        var hospital = await Run(TestAdapter.StartRuntimeOnlyAsync(broker.AmqpUri, "uhl-health", hub.Address));
        var ledger = new V1.Ledger.LedgerClient(hub.Channel);

        var concern = await hub.Concerns.RaiseConcernAsync(Requests.HospitalReferral());
        await Requests.WatchUntilDecidedAsync(hub.Concerns, concern.ConcernId, Patience);
        var held = await EventuallyAsync(
            () => (Hospital: Content(hospital.ReplicaEntries(concern.ChildFileId)), SocialCare: Content(socialCare.ReplicaEntries(concern.ChildFileId))),
            h => h.Hospital.Count == 3 && h.SocialCare.Count == 3, "both replicas to verify the raised, acknowledged and decided entries");

        Assert.Equal(held.Hospital.Select(e => e.Bytes), held.SocialCare.Select(e => e.Bytes));
        Assert.Equal(FileRoot(held.Hospital), FileRoot(held.SocialCare));
        Assert.Empty(hospital.ReplicaAlarms());
        Assert.Empty(socialCare.ReplicaAlarms());

        // The hospital signs the social care decision it has verified; both copies then hold the approval, and anyone
        // can check it against the hospital's registered key.
        var decided = held.Hospital.Single(e => L.LedgerEntry.Parse(e.Bytes).EntryType == "concern.decided");
        using var http = new HttpClient();
        var approve = await http.PostAsync(
            $"{hospital.BaseAddress}/approve?childFile={concern.ChildFileId}&index={decided.Index}&role=Named%20nurse%20for%20safeguarding", null);
        approve.EnsureSuccessStatusCode();
        var withApproval = await EventuallyAsync(
            () => (Hospital: Content(hospital.ReplicaEntries(concern.ChildFileId)), SocialCare: Content(socialCare.ReplicaEntries(concern.ChildFileId))),
            h => h.Hospital.Count == 4 && h.SocialCare.Count == 4, "both replicas to verify the approval entry");
        var approvalEntry = L.LedgerEntry.Parse(withApproval.SocialCare[^1].Bytes);
        var keys = await ledger.GetAgencyKeysAsync(new V1.GetAgencyKeysRequest { AgencyCode = "uhl-health" });
        using var hospitalKey = L.LedgerKeys.ImportPublicKeyPem(keys.Keys.Single().PublicKeyPem);
        var approval = L.RecordApproval.ParsePayload(approvalEntry.Payload.Span);

        Assert.Equal((L.RecordApproval.EntryType, "uhl-health"), (approvalEntry.EntryType, approvalEntry.AuthorAgencyCode));
        Assert.Equal(L.TreeHasher.HashLeaf(decided.Bytes), approval.LeafHash);
        Assert.True(approval.Verify(hospitalKey));
        Assert.Equal(FileRoot(withApproval.Hospital), FileRoot(withApproval.SocialCare));
        Assert.Empty(hospital.ReplicaAlarms());
    }

    [Fact]
    public async Task A_hub_log_rewritten_behind_an_agencys_back_is_caught_by_its_replica_and_reported_to_operators()
    {
        var hub = await Run(TestHub.StartAsync(broker.AmqpUri));
        var hospital = await Run(TestAdapter.StartRuntimeOnlyAsync(broker.AmqpUri, "uhl-health", hub.Address));
        // Raised over gRPC, the concern reaches the hospital's adapter with social care's answer (the notice names the file).
        await Run(TestAdapter.StartSocialCareAsync(broker.AmqpUri, hubAddress: hub.Address));
        var first = await hub.Concerns.RaiseConcernAsync(Requests.HospitalReferral());
        var verified = await EventuallyAsync(() => Content(hospital.ReplicaEntries(first.ChildFileId)), e => e.Count == 3,
            "the hospital replica to verify the raised, acknowledged and decided entries");

        // An attacker with the hub's files rewrites entry #0 and its stored leaf hash, then the hub carries on.
        await hub.StopAsync();
        var forged = new L.LedgerEntry(first.ChildFileId, first.ConcernId, "concern.raised", "uhl-health", "Paediatric registrar, Children's ED",
            DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, "{\"forged\":true}"u8);
        using (var connection = new SqliteConnection($"Data Source={hub.DatabasePath};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = $"""
                DROP TRIGGER "LedgerEntries_no_update";
                DROP TRIGGER "LedgerNodes_no_update";
                UPDATE LedgerEntries SET EntryBytes = x'{Convert.ToHexString(forged.ToCanonicalBytes())}' WHERE Sequence = 0;
                UPDATE LedgerNodes SET Hash = x'{forged.LeafHash.ToHex()}' WHERE Level = 0 AND Idx = 0;
                """;
            command.ExecuteNonQuery();
        }
        await hub.StartProcessAsync();
        await hub.Concerns.RaiseConcernAsync(Requests.HospitalReferral());

        var alarms = await EventuallyAsync(hospital.ReplicaAlarms, a => a.Count > 0, "the hospital replica to raise an alarm");
        await EventuallyAsync(() => hub.Output, o => o.Contains("LEDGER MISMATCH reported by uhl-health"), "the hub to log the operator event");

        Assert.Contains(alarms, a => a.Kind is "InconsistentTreeHead" or "EntryChanged");
        Assert.Contains("LEDGER MISMATCH", hospital.Output);
        Assert.Equal(verified.Count, Content(hospital.ReplicaEntries(first.ChildFileId)).Count); // nothing from the rewritten log was accepted
    }
}
