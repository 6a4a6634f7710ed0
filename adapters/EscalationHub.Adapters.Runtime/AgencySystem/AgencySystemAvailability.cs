namespace EscalationHub.Adapters.Runtime.AgencySystem;

/// <summary>Whether the agency system can take a concern now. Registered per agency code as a keyed service; an
/// adapter without one is always available. When it throws, the bus message is retried and then parked in the
/// error queue, where operators see it and redrive it once the system is back.</summary>
public interface IAgencySystemAvailability
{
    void EnsureAvailable();
}

public sealed class AgencySystemUnavailableException(string message) : Exception(message);

/// <summary>A simulated outage, for rehearsing what a real one does: while <paramref name="outageFile"/> exists the
/// agency system is down.</summary>
public sealed class SimulatedOutage(string agencyName, string outageFile) : IAgencySystemAvailability
{
    public void EnsureAvailable()
    {
        if (File.Exists(outageFile))
            throw new AgencySystemUnavailableException($"the {agencyName} case system is unavailable (simulated outage)");
    }
}
