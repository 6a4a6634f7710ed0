using System.Security.Cryptography;
using EscalationHub.Ledger;
using EscalationHub.Security;

namespace EscalationHub.Adapters.Runtime.Ledger;

/// <summary>One agency's ledger side: its replica and its record-approval key.</summary>
public sealed record AgencyLedger(string AgencyCode, LedgerReplica Replica, ECDsa ApprovalKey)
{
    public string ApprovalPublicKeyPem { get; } = LedgerKeys.ExportPublicKeyPem(ApprovalKey);
}

/// <summary>The ledger side of every adapter hosted in this process, by agency code.</summary>
public sealed class AgencyLedgers
{
    private readonly Dictionary<string, AgencyLedger> byAgency = [];

    public IReadOnlyCollection<AgencyLedger> All => byAgency.Values;

    public AgencyLedger For(string agencyCode) =>
        byAgency.TryGetValue(agencyCode, out var ledger) ? ledger : throw new InvalidOperationException($"no adapter in this process serves '{agencyCode}'");

    internal void Add(string agencyCode, string databasePath, string dataDirectory) =>
        byAgency[agencyCode] = new AgencyLedger(agencyCode, new LedgerReplica(databasePath), LoadOrCreateKey(dataDirectory, agencyCode));

    /// <summary>The agency's ECDSA P-256 approval key: generated on first start into the data folder
    /// (agency-{code}-key.pem, owner-only) and reused; its public half is registered with the hub.</summary>
    public static ECDsa LoadOrCreateKey(string dataDirectory, string agencyCode)
    {
        DataAtRest.CreatePrivateDirectory(dataDirectory);
        var path = Path.Combine(dataDirectory, $"agency-{agencyCode}-key.pem");
        if (File.Exists(path)) return LedgerKeys.ImportPrivateKeyPem(File.ReadAllText(path));
        using var created = LedgerKeys.CreateP256();
        return LedgerKeys.ImportPrivateKeyPem(DataAtRest.CreatePrivateFileOnce(path, LedgerKeys.ExportPrivateKeyPem(created)));
    }
}
