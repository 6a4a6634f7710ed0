using EscalationHub.Adapters.Health.Mllp;

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

    /// <summary>Connections open at once; one more is closed as soon as it is accepted.</summary>
    public int MaxConnections { get; set; } = 32;

    /// <summary>Connections open at once from one sending address: one flooding host cannot take every place.</summary>
    public int MaxConnectionsPerSender { get; set; } = 8;

    /// <summary>A connection that has started a frame and then sends nothing for this long is closed.</summary>
    public TimeSpan FrameIdleTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>A connection silent between frames for this long is closed.</summary>
    public TimeSpan ConnectionIdleTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Messages per second from one sending address (all its connections), after a burst of
    /// <see cref="Burst"/>; a message over it is answered AR and not sent.</summary>
    public double MessagesPerSecond { get; set; } = 10;

    public int Burst { get; set; } = 20;

    /// <summary>Sending hosts: IP addresses or CIDR ranges. A connection from anywhere else is closed before a byte is
    /// read. Null (not configured): loopback only.</summary>
    public string[]? AllowedSenders { get; set; }

    public static readonly string[] LoopbackOnly = ["127.0.0.0/8", "::1"];

    /// <summary>Refuses to start on limits that would leave the listener open (or shut) by mistake.</summary>
    public void Validate()
    {
        if (Port < 0) return;
        if (MaxConnections < 1 || MaxConnectionsPerSender < 1)
            throw new InvalidOperationException("Mllp:MaxConnections and Mllp:MaxConnectionsPerSender must be at least 1");
        if (MaxMessageBytes < 1) throw new InvalidOperationException("Mllp:MaxMessageBytes must be at least 1");
        if (FrameIdleTimeout <= TimeSpan.Zero || ConnectionIdleTimeout <= TimeSpan.Zero)
            throw new InvalidOperationException("Mllp:FrameIdleTimeout and Mllp:ConnectionIdleTimeout must be positive");
        if (MessagesPerSecond > 0 && Burst < 1) throw new InvalidOperationException("Mllp:Burst must be at least 1");
        MllpAllowList.Parse(AllowedSenders ?? LoopbackOnly);
    }
}
