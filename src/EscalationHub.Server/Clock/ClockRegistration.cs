using System.Globalization;
using EscalationHub.Domain.Calendar;
using EscalationHub.Domain.Policies;
using EscalationHub.Security;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace EscalationHub.Server.Clock;

public static class ClockRegistration
{
    /// <summary>The hub's clock, working calendar (section "WorkingCalendar") and policy profiles (the five shipped
    /// ones, plus any *.json in Policies:Directory). A bad calendar setting or profile file stops the hub at start
    /// with the setting, file and field named.</summary>
    public static IHostApplicationBuilder AddHubClock(this IHostApplicationBuilder builder)
    {
        var offsetFile = builder.Configuration["Clock:OffsetFile"];
        // A file anyone who can write it moves deadlines with (auto-escalating every open disagreement): never in
        // production. Development (`dotnet run`, through launchSettings.json) and the tests that move it only.
        if (!string.IsNullOrWhiteSpace(offsetFile) && !builder.Environment.IsDevelopment())
            throw new StartRefusedException(
                $"Refusing to start: Clock:OffsetFile (Clock__OffsetFile) is set to '{offsetFile}', but a movable clock is for " +
                $"development and tests only and this hub runs in the {builder.Environment.EnvironmentName} environment. Remove the " +
                "setting (or, on a development machine only, run with DOTNET_ENVIRONMENT=Development).");
        // Replace, not add: the host has already registered TimeProvider.System.
        builder.Services.Replace(string.IsNullOrWhiteSpace(offsetFile)
            ? ServiceDescriptor.Singleton(TimeProvider.System)
            : ServiceDescriptor.Singleton<TimeProvider>(sp => new OffsetClock(Path.GetFullPath(offsetFile), sp.GetRequiredService<ILogger<OffsetClock>>())));
        TrustedTime.Register(builder.Services);

        var calendar = (builder.Configuration.GetSection("WorkingCalendar").Get<WorkingCalendarOptions>() ?? new WorkingCalendarOptions()).Build();
        builder.Services.AddSingleton(calendar);

        var profiles = PolicyProfiles.LoadEmbedded().All.ToList();
        if (builder.Configuration["Policies:Directory"] is { Length: > 0 } directory)
        {
            var extra = PolicyProfiles.Load(Path.GetFullPath(directory)).All;
            profiles.RemoveAll(p => extra.Any(e => e.Id == p.Id));
            profiles.AddRange(extra);
        }
        builder.Services.AddSingleton(new PolicyProfiles(profiles));
        return builder;
    }
}

/// <summary>The real time, for what a moved clock must never touch: whether a certificate is in date, and the
/// timestamps of signed tree heads. Inject as <c>[FromKeyedServices(TrustedTime.Key)] TimeProvider</c>.</summary>
public static class TrustedTime
{
    public const string Key = "trusted";

    public static void Register(IServiceCollection services) => services.TryAddKeyedSingleton(Key, TimeProvider.System);
}

/// <summary>The system clock moved by an offset read from a file (e.g. "36:00:00" for 36 hours ahead), for
/// demonstrations and tests of deadlines in Development only (refused elsewhere at start). The file is re-read at
/// most every 100 ms; a Warning is logged at start and at every change of the offset.</summary>
internal sealed class OffsetClock : TimeProvider
{
    private readonly string path;
    private readonly ILogger logger;
    private readonly Lock gate = new();
    private long offsetTicks;
    private long readAt = -1_000_000; // TickCount64 minus this must not overflow

    public OffsetClock(string path, ILogger<OffsetClock> logger)
    {
        this.path = path;
        this.logger = logger;
        logger.LogWarning("The hub's clock is movable: Clock:OffsetFile is {Path}. Deadlines follow whatever offset that file holds; for development and tests only (certificates and tree heads keep the real time)", path);
    }

    public override DateTimeOffset GetUtcNow()
    {
        if (Environment.TickCount64 - Interlocked.Read(ref readAt) > 100) Refresh();
        return System.GetUtcNow() + TimeSpan.FromTicks(Interlocked.Read(ref offsetTicks));
    }

    private void Refresh()
    {
        lock (gate)
        {
            if (Environment.TickCount64 - readAt <= 100) return;
            var read = File.Exists(path) && TimeSpan.TryParse(File.ReadAllText(path).Trim(), CultureInfo.InvariantCulture, out var parsed) ? parsed : TimeSpan.Zero;
            var previous = TimeSpan.FromTicks(offsetTicks);
            if (read != previous)
                logger.LogWarning("The hub's clock moved: offset {Offset} (was {Previous}) from {Path}; the hub's time is now {Now:O}", read, previous, path, System.GetUtcNow() + read);
            Interlocked.Exchange(ref offsetTicks, read.Ticks);
            Interlocked.Exchange(ref readAt, Environment.TickCount64);
        }
    }
}
