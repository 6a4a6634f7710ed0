using System.Diagnostics.Metrics;
using System.Threading.Channels;
using EscalationHub.Contracts.Messages;
using EscalationHub.Ledger;
using EscalationHub.Security;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using V1 = EscalationHub.Contracts.V1;

namespace EscalationHub.Adapters.Runtime.Ledger;

/// <summary>
/// Keeps each hosted agency's replica of its child files in step with the hub, trusting nothing it has not checked:
/// every tree head must be signed by the pinned hub key and be consistent with the last head this agency trusted
/// (RFC 9162 consistency proof); every new entry must prove into that head (inclusion proof); every entry already
/// held must come back byte for byte. Anything else raises a loud alarm: an error log, a counter, an alarm row in
/// the replica and a <see cref="LedgerMismatchDetected"/> operator event to the hub; nothing from that fetch is kept.
/// A file is fetched when a message names it (<see cref="Track"/>) and again every Hub:LedgerSyncSeconds.
/// </summary>
public sealed class LedgerReplicator(
    AgencyLedgers ledgers, HubSender hub, IOptions<HubLedgerSettings> options, TimeProvider clock, ILogger<LedgerReplicator> logger)
    : BackgroundService
{
    private static readonly Meter Meter = new("EscalationHub.Adapters");
    private static readonly Counter<long> Mismatches = Meter.CreateCounter<long>("escalationhub.adapter.ledger_mismatches", "{alarms}",
        "the hub's ledger disagreed with this agency's verified replica");
    private static readonly Counter<long> Verified = Meter.CreateCounter<long>("escalationhub.adapter.ledger_entries_verified", "{entries}");

    private readonly Channel<(string Agency, string ChildFile)> requests = Channel.CreateUnbounded<(string, string)>();
    private readonly HubLedgerSettings settings = options.Value;
    private readonly HashSet<string> alarmed = [];

    /// <summary>Follows a child file for an agency (learnt from a bus message) and fetches it soon.</summary>
    public async Task TrackAsync(string agencyCode, string childFileId, CancellationToken cancellationToken = default)
    {
        await ledgers.For(agencyCode).Replica.TrackAsync(childFileId, clock.GetUtcNow(), cancellationToken);
        requests.Writer.TryWrite((agencyCode, childFileId));
    }

    /// <summary>Tracks inside the caller's transaction on the adapter's file: call <see cref="Sync"/> once it commits.</summary>
    public Task TrackAsync(SqliteConnection connection, string agencyCode, string childFileId, CancellationToken cancellationToken = default) =>
        ledgers.For(agencyCode).Replica.TrackAsync(connection, childFileId, clock.GetUtcNow(), cancellationToken);

    public void Sync(string agencyCode, string childFileId) => requests.Writer.TryWrite((agencyCode, childFileId));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (string.IsNullOrWhiteSpace(settings.Address))
        {
            logger.LogWarning("Hub:Address is not set: this adapter keeps no verified copy of its child files");
            return;
        }
        if (ledgers.All.Select(l => settings.ReplicationCertificateFor(l.AgencyCode)).Any(string.IsNullOrWhiteSpace) || string.IsNullOrWhiteSpace(settings.CaCertificate))
        {
            logger.LogWarning("Hub:ReplicationCertificate (or Hub:ClientCertificate, beside which it is looked for) or Hub:CaCertificate is not set: " +
                              "the hub answers no replication read without the agency's replication certificate");
            return;
        }
        // One channel per hosted agency, each presenting that agency's replication identity: the hub takes the caller
        // from it, lets only it read with purpose REPLICATION, and gives it its own rate budget.
        using var ca = CertificateFiles.LoadCertificate(settings.CaCertificate);
        var channels = new Dictionary<string, GrpcChannel>();
        var clients = new Dictionary<string, V1.Ledger.LedgerClient>();
        foreach (var ledger in ledgers.All)
        {
            var certificate = CertificateFiles.LoadWithKey(settings.ReplicationCertificateFor(ledger.AgencyCode)!,
                settings.ReplicationKey?.Replace("{agency}", ledger.AgencyCode) is { Length: > 0 } key ? key : null);
            var channel = HubChannels.Create(settings.Address, certificate, ca);
            channels[ledger.AgencyCode] = channel;
            clients[ledger.AgencyCode] = new V1.Ledger.LedgerClient(channel.Intercept(new DefaultDeadline(TimeSpan.FromSeconds(30))));
        }
        try
        {
            await RunAsync(clients, stoppingToken);
        }
        finally
        {
            foreach (var channel in channels.Values) channel.Dispose();
        }
    }

    private async Task RunAsync(Dictionary<string, V1.Ledger.LedgerClient> clients, CancellationToken stoppingToken)
    {
        var period = TimeSpan.FromSeconds(Math.Max(0.2, settings.LedgerSyncSeconds));
        var nextSweep = DateTime.UtcNow;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (DateTime.UtcNow >= nextSweep)
                {
                    foreach (var ledger in ledgers.All)
                    foreach (var file in await ledger.Replica.TrackedFilesAsync(stoppingToken))
                        await SyncAsync(clients[ledger.AgencyCode], ledger, file, stoppingToken);
                    nextSweep = DateTime.UtcNow + period;
                }
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                wait.CancelAfter(nextSweep - DateTime.UtcNow is var left && left > TimeSpan.Zero ? left : TimeSpan.Zero);
                try
                {
                    if (await requests.Reader.WaitToReadAsync(wait.Token))
                        while (requests.Reader.TryRead(out var request))
                            await SyncAsync(clients[request.Agency], ledgers.For(request.Agency), request.ChildFile, stoppingToken);
                }
                catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
                {
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "ledger sync failed; retrying");
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    /// <summary>Fetches one child file for one agency and accepts it only if everything checks out.</summary>
    public async Task<bool> SyncAsync(V1.Ledger.LedgerClient client, AgencyLedger ledger, string childFileId, CancellationToken cancellationToken)
    {
        var replica = ledger.Replica;
        using var hubKey = LedgerKeys.ImportPublicKeyPem(await PinnedHubKeyAsync(client, replica, cancellationToken));

        V1.ChildFileRecord file;
        try
        {
            // Audited by the hub like every read (coalesced: one entry per window for this replica's re-checks).
            file = await client.GetChildFileAsync(new V1.GetChildFileRequest
            {
                ChildFileId = childFileId, AgencyCode = ledger.AgencyCode, Purpose = V1.ReadPurpose.Replication, ReaderRole = "ledger replica",
            }, cancellationToken: cancellationToken);
        }
        catch (RpcException ex) when (ex.StatusCode is StatusCode.NotFound or StatusCode.PermissionDenied)
        {
            // NOT_FOUND: no such file or not party (the hub answers both alike); PERMISSION_DENIED: not a replication identity.
            logger.LogWarning("{Agency}: the hub refuses child file {ChildFile}: {Detail}", ledger.AgencyCode, childFileId, ex.Status.Detail);
            return false;
        }

        var head = new SignedTreeHead(file.TreeHead.TreeSize, Hash(file.TreeHead.RootHash),
            new DateTimeOffset(DateTimeOffset.UnixEpoch.UtcTicks + file.TreeHead.TimestampTicks, TimeSpan.Zero), file.TreeHead.Signature.Span);
        if (!head.VerifySignature(hubKey))
            return await AlarmAsync(ledger, childFileId, "InvalidTreeHeadSignature", $"the tree head for {head.TreeSize} entries is not signed by the pinned hub key", null, head.TreeSize, cancellationToken);

        var trusted = await replica.LatestTrustedHeadAsync(cancellationToken);
        if (trusted is not null && !await IsConsistentAsync(client, trusted, head, cancellationToken))
            return await AlarmAsync(ledger, childFileId, "InconsistentTreeHead",
                $"the hub's head for {head.TreeSize} entries does not extend the head for {trusted.TreeSize} entries this agency trusted: the log was rewritten",
                trusted.TreeSize, head.TreeSize, cancellationToken);

        var held = (await replica.EntriesAsync(childFileId, cancellationToken)).ToDictionary(e => e.Index);
        var fresh = new List<ReplicaEntry>();
        foreach (var entry in file.Entries)
        {
            // An entry recorded before this agency joined the file comes as metadata only (details withheld): its leaf
            // hash is all there is to check, and proving it into the signed head is what keeps this copy complete.
            var withheld = entry.DetailsWithheld;
            var bytes = withheld ? [] : entry.CanonicalBytes.ToByteArray();
            var leaf = withheld ? Hash(entry.LeafHash) : TreeHasher.HashLeaf(bytes);
            if (held.TryGetValue(entry.Index, out var known))
            {
                var same = withheld || known.EntryBytes.Length == 0 ? known.LeafHash == leaf : known.EntryBytes.AsSpan().SequenceEqual(bytes);
                if (!same)
                    return await AlarmAsync(ledger, childFileId, "EntryChanged",
                        $"entry #{entry.Index} is no longer the entry this agency verified (leaf {known.LeafHash} now {leaf})", trusted?.TreeSize, head.TreeSize, cancellationToken);
                held.Remove(entry.Index);
                continue;
            }
            if (withheld && entry.LeafHash.Length != MerkleHash.Length)
                return await AlarmAsync(ledger, childFileId, "MalformedEntry", $"entry #{entry.Index} comes without its details and without a leaf hash", trusted?.TreeSize, head.TreeSize, cancellationToken);
            if (!withheld && (!LedgerEntry.TryParse(bytes, out var parsed, out var error) || parsed.ChildFileId != childFileId))
                return await AlarmAsync(ledger, childFileId, "MalformedEntry", $"entry #{entry.Index} is not a canonical entry of this file: {error}", trusted?.TreeSize, head.TreeSize, cancellationToken);
            var proof = await client.GetInclusionProofAsync(new V1.GetInclusionProofRequest { EntryIndex = entry.Index, TreeSize = head.TreeSize },
                cancellationToken: cancellationToken);
            var inclusion = new InclusionProof(proof.EntryIndex, proof.TreeSize, proof.Path.Select(Hash).ToList());
            if (proof.EntryIndex != entry.Index || !inclusion.VerifyAgainst(leaf, head))
                return await AlarmAsync(ledger, childFileId, "EntryNotIncluded",
                    $"entry #{entry.Index} does not prove into the signed head for {head.TreeSize} entries", trusted?.TreeSize, head.TreeSize, cancellationToken);
            fresh.Add(new ReplicaEntry(entry.Index, childFileId, bytes, leaf, head.TreeSize));
        }
        if (held.Count > 0)
            return await AlarmAsync(ledger, childFileId, "EntryMissing",
                $"the hub no longer returns entries this agency verified: #{string.Join(", #", held.Keys.Order())}", trusted?.TreeSize, head.TreeSize, cancellationToken);

        if (trusted is null || head.TreeSize > trusted.TreeSize || fresh.Count > 0)
            await replica.AcceptAsync(head, fresh, cancellationToken);
        if (fresh.Count > 0)
        {
            Verified.Add(fresh.Count, new KeyValuePair<string, object?>("agency", ledger.AgencyCode));
            logger.LogInformation("{Agency}: child file {ChildFile}: {Count} new entries verified against the signed head for {Size} entries",
                ledger.AgencyCode, childFileId, fresh.Count, head.TreeSize);
        }
        return true;
    }

    private static async Task<bool> IsConsistentAsync(V1.Ledger.LedgerClient client, SignedTreeHead trusted, SignedTreeHead offered, CancellationToken cancellationToken)
    {
        if (offered.TreeSize < trusted.TreeSize) return false; // a log never shrinks
        if (offered.TreeSize == trusted.TreeSize) return offered.RootHash == trusted.RootHash;
        var proof = await client.GetConsistencyProofAsync(new V1.GetConsistencyProofRequest { FirstSize = trusted.TreeSize, SecondSize = offered.TreeSize },
            cancellationToken: cancellationToken);
        return new ConsistencyProof(proof.FirstSize, proof.SecondSize, proof.Path.Select(Hash).ToList()).VerifyAgainst(trusted, offered);
    }

    private async Task<string> PinnedHubKeyAsync(V1.Ledger.LedgerClient client, LedgerReplica replica, CancellationToken cancellationToken)
    {
        if (await replica.PinnedHubKeyAsync(cancellationToken) is { } pinned) return pinned;
        var pem = !string.IsNullOrWhiteSpace(settings.PublicKeyPath)
            ? await File.ReadAllTextAsync(settings.PublicKeyPath, cancellationToken)
            : (await client.GetHubPublicKeyAsync(new V1.GetHubPublicKeyRequest(), cancellationToken: cancellationToken)).PublicKeyPem;
        await replica.PinHubKeyAsync(pem, cancellationToken);
        return (await replica.PinnedHubKeyAsync(cancellationToken))!;
    }

    private async Task<bool> AlarmAsync(AgencyLedger ledger, string? childFileId, string kind, string detail, long? trustedSize, long? offeredSize,
        CancellationToken cancellationToken)
    {
        Mismatches.Add(1, new KeyValuePair<string, object?>("agency", ledger.AgencyCode), new KeyValuePair<string, object?>("kind", kind));
        logger.LogError("LEDGER MISMATCH for {Agency} on child file {ChildFile}: {Kind}: {Detail}", ledger.AgencyCode, childFileId, kind, detail);
        // The same fault is found again at every sync: record and report it once per process.
        if (!alarmed.Add($"{ledger.AgencyCode}/{childFileId}/{kind}/{trustedSize}")) return false;
        await ledger.Replica.RecordAlarmAsync(childFileId, kind, detail, clock.GetUtcNow(), cancellationToken);
        try
        {
            await hub.SendAsync(new LedgerMismatchDetected(ledger.AgencyCode, childFileId, kind, detail, trustedSize, offeredSize, clock.GetUtcNow()),
                Guid.NewGuid(), cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError(ex, "{Agency}: could not report the ledger mismatch to the hub", ledger.AgencyCode);
        }
        return false;
    }

    private static MerkleHash Hash(Google.Protobuf.ByteString bytes) =>
        bytes.Length == MerkleHash.Length ? MerkleHash.FromBytes(bytes.Span) : MerkleHash.FromBytes(new byte[MerkleHash.Length]);
}
