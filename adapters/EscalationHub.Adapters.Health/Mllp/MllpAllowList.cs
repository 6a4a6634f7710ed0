using System.Net;

namespace EscalationHub.Adapters.Health.Mllp;

/// <summary>The hosts that may send over MLLP (Mllp:AllowedSenders): IP addresses or CIDR ranges.</summary>
public sealed class MllpAllowList
{
    private readonly IReadOnlyList<IPNetwork> networks;

    private MllpAllowList(IReadOnlyList<IPNetwork> networks) => this.networks = networks;

    /// <exception cref="InvalidOperationException">An entry is neither an address nor a CIDR range (the listener
    /// must not start on an allow-list it cannot read).</exception>
    public static MllpAllowList Parse(IEnumerable<string> entries)
    {
        var networks = new List<IPNetwork>();
        foreach (var raw in entries)
        {
            var entry = raw.Trim();
            if (entry.Length == 0) continue;
            if (IPAddress.TryParse(entry, out var address) && !entry.Contains('/'))
                networks.Add(new IPNetwork(Canonical(address), address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128));
            else if (IPNetwork.TryParse(entry, out var network) && network.BaseAddress.Equals(IPAddress.Parse(entry.Split('/')[0])))
                networks.Add(network); // with host bits set (10.20.0.1/16) it falls to the refusal: a typo more likely than a range
            else
                throw new InvalidOperationException($"Mllp:AllowedSenders: \"{entry}\" is neither an IP address nor a CIDR range with no host bits set (e.g. 10.20.0.0/16)");
        }
        return new MllpAllowList(networks);
    }

    public bool Allows(IPAddress address)
    {
        var canonical = Canonical(address);
        return networks.Any(n => n.Contains(canonical));
    }

    public override string ToString() => string.Join(", ", networks);

    /// <summary>An IPv4 peer on a dual-stack socket arrives as ::ffff:a.b.c.d: compare it as IPv4.</summary>
    public static IPAddress Canonical(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}
