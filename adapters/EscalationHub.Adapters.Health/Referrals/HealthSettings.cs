namespace EscalationHub.Adapters.Health.Referrals;

/// <summary>The health adapter's own settings (beside AgencyCode, DataDirectory and AgencySystem, the EPR's FHIR base).</summary>
public sealed class HealthSettings
{
    /// <summary>Postcode area (the leading letters of the child's home postcode, e.g. "LE") to the agency code of that
    /// local authority's children's social care: a hospital referral goes to the authority for the child's home.</summary>
    public Dictionary<string, string> LocalAuthorities { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Where a referral goes when the child's postcode is missing or its area is not listed; empty: refused.</summary>
    public string DefaultLocalAuthority { get; set; } = "leics-socialcare";

    public MllpSettings Mllp { get; set; } = new();

    /// <summary>How long a referral may wait for the broker's confirm before it is answered AR (resend).</summary>
    public TimeSpan HubSendTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The agency code for the child's home postcode, or null when none is configured.</summary>
    public string? LocalAuthorityFor(string? postcode)
    {
        var area = PostcodeArea(postcode);
        var code = LocalAuthorities.FirstOrDefault(a => string.Equals(a.Key, area, StringComparison.OrdinalIgnoreCase)).Value;
        if (area is not null && !string.IsNullOrWhiteSpace(code)) return code;
        return string.IsNullOrWhiteSpace(DefaultLocalAuthority) ? null : DefaultLocalAuthority;
    }

    /// <summary>"LE1 5WW" -> "LE", "b15 2tt" -> "B"; null for no postcode.</summary>
    public static string? PostcodeArea(string? postcode)
    {
        var letters = new string((postcode ?? "").Trim().TakeWhile(char.IsAsciiLetter).ToArray()).ToUpperInvariant();
        return letters.Length is 1 or 2 ? letters : null;
    }
}

public sealed class MllpSettings
{
    /// <summary>TCP port of the MLLP listener; 0 picks a free port (tests), -1 turns MLLP off.</summary>
    public int Port { get; set; } = 2575;

    public string Address { get; set; } = "127.0.0.1";

    /// <summary>A frame larger than this is refused (AR) and the connection closed.</summary>
    public int MaxMessageBytes { get; set; } = 1024 * 1024;

    /// <summary>A connection silent for this long is closed.</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(10);
}
