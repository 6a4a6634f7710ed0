namespace EscalationHub.Adapters.Runtime.Ledger;

/// <summary>Where the adapter reaches the hub's gRPC API (section "Hub").</summary>
public sealed class HubLedgerSettings
{
    public const string Section = "Hub";

    /// <summary>The hub's gRPC address, e.g. http://127.0.0.1:5080. Empty: no replica is kept (a warning says so).</summary>
    public string? Address { get; set; }

    /// <summary>How often every followed child file is fetched and checked again, besides whenever a message names it.</summary>
    public double LedgerSyncSeconds { get; set; } = 5;

    /// <summary>The hub's tree-head public key (PEM file), pinned on first use. Empty: fetched from the hub once and pinned.</summary>
    public string? PublicKeyPath { get; set; }
}
