namespace EscalationHub.Server.Messaging;

/// <summary>Settings (section Watches) of the WatchConcern and WatchDisagreement streams.</summary>
public sealed class WatchSettings
{
    public const string Section = "Watches";

    /// <summary>How often a watch nobody has woken reads the store anyway (default 10 s). A change committed on this hub
    /// wakes the watchers of its concern or disagreement at once; this poll only catches changes committed by another
    /// hub replica sharing the PostgreSQL store.</summary>
    public TimeSpan FallbackPoll { get; set; } = TimeSpan.FromSeconds(10);

    public static WatchSettings From(IConfiguration configuration)
    {
        var settings = configuration.GetSection(Section).Get<WatchSettings>() ?? new WatchSettings();
        if (settings.FallbackPoll <= TimeSpan.Zero)
            throw new InvalidOperationException($"{Section}:FallbackPoll must be more than zero (it is {settings.FallbackPoll})");
        return settings;
    }
}
