namespace EscalationHub.Adapters.Runtime.AgencySystem;

/// <summary>How an adapter reaches its agency's own case system (configuration section "Adapter:AgencySystem" in a
/// standalone adapter, "Adapters:{Name}:AgencySystem" in the embedded default).</summary>
public sealed class AgencySystemOptions
{
    /// <summary>Base address of the agency system's webhook (or FHIR base for an EPR). Empty: the adapter's in-process
    /// simulator of the agency system receives the deliveries instead (the demo and the tests).</summary>
    public string? Url { get; set; }

    /// <summary>Delay before the first retry of a failed delivery; doubled on each further failure.</summary>
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait between two attempts: a delivery is retried at least this often, for ever.</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>An attempt the agency system has not answered within this time has failed.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The file holding the secret the agency system presents (Authorization: Bearer); empty: the adapter
    /// makes one on first start at {DataDirectory}/agency-system-{agencyCode}.credential (0600).</summary>
    public string? CredentialFile { get; set; }

    public bool UsesSimulator => string.IsNullOrWhiteSpace(Url);

    /// <summary>The wait after <paramref name="failedAttempts"/> failures: initial × 2^(n-1), at most the maximum.</summary>
    public TimeSpan BackoffAfter(int failedAttempts)
    {
        var exponent = Math.Clamp(failedAttempts - 1, 0, 30);
        var ticks = InitialBackoff.Ticks * Math.Pow(2, exponent);
        return ticks >= MaxBackoff.Ticks ? MaxBackoff : TimeSpan.FromTicks((long)ticks);
    }
}
