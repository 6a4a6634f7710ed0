using System.Globalization;
using EscalationHub.Domain.Calendar;
using EscalationHub.Domain.Policies;
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
        // Replace, not add: the host has already registered TimeProvider.System.
        builder.Services.Replace(ServiceDescriptor.Singleton<TimeProvider>(string.IsNullOrWhiteSpace(offsetFile)
            ? TimeProvider.System
            : new OffsetClock(Path.GetFullPath(offsetFile))));

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

/// <summary>The system clock moved by an offset read from a file (e.g. "36:00:00" for 36 hours ahead). For tests and
/// demonstrations of deadlines only: never configured in production. The file is re-read at most every 100 ms.</summary>
internal sealed class OffsetClock(string path) : TimeProvider
{
    private TimeSpan offset;
    private long readAt = -1_000_000; // TickCount64 minus this must not overflow

    public override DateTimeOffset GetUtcNow()
    {
        var now = System.GetUtcNow();
        if (Environment.TickCount64 - Interlocked.Read(ref readAt) > 100)
        {
            offset = File.Exists(path) && TimeSpan.TryParse(File.ReadAllText(path).Trim(), CultureInfo.InvariantCulture, out var read) ? read : TimeSpan.Zero;
            Interlocked.Exchange(ref readAt, Environment.TickCount64);
        }
        return now + offset;
    }
}
