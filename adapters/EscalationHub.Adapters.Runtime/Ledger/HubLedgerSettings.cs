namespace EscalationHub.Adapters.Runtime.Ledger;

/// <summary>Where the adapter reaches the hub's gRPC API (section "Hub").</summary>
public sealed class HubLedgerSettings
{
    public const string Section = "Hub";

    /// <summary>The hub's gRPC address, e.g. https://127.0.0.1:5080, or every hub replica's, comma-separated
    /// (https://hub-a:5080,https://hub-b:5080): the copy is kept through whichever answers. Empty: no replica is kept
    /// (a warning says so).</summary>
    public string? Address { get; set; }

    /// <summary>The agency's client certificate for the hub (mutual TLS): PEM (.crt, key beside it as .key, or
    /// ClientKey) or PKCS#12 (.pfx). "{agency}" in the path is replaced by the agency code (the embedded default hosts
    /// four agencies, each with its own certificate).</summary>
    public string? ClientCertificate { get; set; }

    /// <summary>The client certificate's private key (PEM), when not beside it; "{agency}" is replaced too.</summary>
    public string? ClientKey { get; set; }

    /// <summary>The agency's replication identity for the hub (SAN urn:escalationhub:replica:&lt;code&gt;, issued by
    /// <c>hubctl certs replica</c>): the only certificate the hub lets read child files with purpose REPLICATION, and
    /// one that cannot act. "{agency}" is replaced as in ClientCertificate. Default: replica-{agency}.crt in
    /// ClientCertificate's folder.</summary>
    public string? ReplicationCertificate { get; set; }

    /// <summary>The replication certificate's private key (PEM), when not beside it; "{agency}" is replaced too.</summary>
    public string? ReplicationKey { get; set; }

    /// <summary>The replication certificate's path for an agency: as set, or replica-&lt;code&gt;.crt beside the client
    /// certificate; null when neither is set.</summary>
    public string? ReplicationCertificateFor(string agencyCode) =>
        !string.IsNullOrWhiteSpace(ReplicationCertificate) ? ReplicationCertificate.Replace("{agency}", agencyCode)
        : string.IsNullOrWhiteSpace(ClientCertificate) ? null
        : Path.Combine(Path.GetDirectoryName(ClientCertificate) ?? "", $"replica-{agencyCode}.crt");

    /// <summary>The partnership CA (PEM): the hub's server certificate must chain to it.</summary>
    public string? CaCertificate { get; set; }

    /// <summary>How often every followed child file is fetched and checked again, besides whenever a message names it.</summary>
    public double LedgerSyncSeconds { get; set; } = 5;

    /// <summary>The hub's tree-head public key (PEM file), pinned on first use. Empty: fetched from the hub once and pinned.</summary>
    public string? PublicKeyPath { get; set; }
}
