using System.Globalization;
using System.Text.Json.Serialization;

namespace EscalationHub.Domain.Calendar;

[JsonConverter(typeof(JsonStringEnumConverter<TimescaleKind>))]
public enum TimescaleKind
{
    /// <summary>The source states no timescale: the stage has no deadline of its own.</summary>
    None,
    /// <summary>Due at the start instant itself.</summary>
    Immediately,
    /// <summary>Elapsed hours, whatever the calendar or the clocks changing.</summary>
    Hours,
    /// <summary>Close of working hours on the Nth working day after the start day.</summary>
    WorkingDays,
    /// <summary>Close of working hours today if started inside working hours, otherwise of the next working day.</summary>
    SameWorkingDay,
}

/// <summary>
/// A timescale as the procedures state it. Profile files spell it as "24h", "48h", "1wd", "10wd",
/// "working-week" (5 working days), "same-working-day", "without-delay", "immediately" or "none".
/// "Without delay" (London PA4 stages 3-5) is taken as the same working day: it is the shortest
/// working-calendar timescale the procedures name short of "immediately", and London reserves
/// "immediately" for protective action, not for a meeting of managers.
/// </summary>
public readonly record struct Timescale(TimescaleKind Kind, int Amount)
{
    public static Timescale None => new(TimescaleKind.None, 0);
    public static Timescale Immediately => new(TimescaleKind.Immediately, 0);
    public static Timescale SameWorkingDay => new(TimescaleKind.SameWorkingDay, 0);

    public static Timescale Hours(int hours) =>
        hours > 0 ? new(TimescaleKind.Hours, hours) : throw new ArgumentOutOfRangeException(nameof(hours), hours, "must be at least 1 hour");

    public static Timescale WorkingDays(int days) =>
        days > 0 ? new(TimescaleKind.WorkingDays, days) : throw new ArgumentOutOfRangeException(nameof(days), days, "must be at least 1 working day");

    /// <summary>A working week is five working days.</summary>
    public static Timescale WorkingWeek => WorkingDays(5);

    /// <summary>Plain words for deadline rules and messages, e.g. "10 working days", "24 hours".</summary>
    public string Describe() => Kind switch
    {
        TimescaleKind.None => "no timescale",
        TimescaleKind.Immediately => "immediately",
        TimescaleKind.Hours => Amount == 1 ? "1 hour" : $"{Amount} hours",
        TimescaleKind.WorkingDays => Amount == 1 ? "1 working day" : $"{Amount} working days",
        TimescaleKind.SameWorkingDay => "same working day",
        _ => Kind.ToString(),
    };

    public override string ToString() => Kind switch
    {
        TimescaleKind.None => "none",
        TimescaleKind.Immediately => "immediately",
        TimescaleKind.Hours => $"{Amount}h",
        TimescaleKind.WorkingDays => $"{Amount}wd",
        TimescaleKind.SameWorkingDay => "same-working-day",
        _ => Kind.ToString(),
    };

    public static Timescale Parse(string text) =>
        TryParse(text, out var timescale, out var error) ? timescale : throw new FormatException(error);

    public static bool TryParse(string? text, out Timescale timescale, out string error)
    {
        timescale = None;
        error = "";
        var t = (text ?? "").Trim().ToLowerInvariant();
        switch (t)
        {
            case "none": return true;
            case "immediately": timescale = Immediately; return true;
            case "same-working-day" or "without-delay": timescale = SameWorkingDay; return true;
            case "working-week": timescale = WorkingWeek; return true;
        }

        if (t.EndsWith("wd", StringComparison.Ordinal) && TryAmount(t[..^2], out var days))
        {
            timescale = WorkingDays(days);
            return true;
        }

        if (t.EndsWith('h') && TryAmount(t[..^1], out var hours))
        {
            timescale = Hours(hours);
            return true;
        }

        error = $"unknown timescale \"{text}\": expected e.g. \"24h\", \"10wd\", \"working-week\", \"same-working-day\", \"without-delay\", \"immediately\" or \"none\"";
        return false;
    }

    private static bool TryAmount(string digits, out int amount) =>
        int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out amount) && amount is > 0 and <= 1000;
}

/// <summary>When a stage is due, as a UTC instant, and the rule that produced it, e.g. "10 working days (North Wales stage 1)".</summary>
public sealed record Deadline(DateTimeOffset Instant, string Rule)
{
    public DateTimeOffset Instant { get; init; } = Instant.ToUniversalTime();

    public bool HasPassed(DateTimeOffset now) => now > Instant;
}
