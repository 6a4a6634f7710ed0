namespace EscalationHub.Domain.Calendar;

/// <summary>Local working hours, opening inclusive and close exclusive. Default 09:00-17:00.</summary>
public sealed record WorkingHours
{
    public WorkingHours(TimeOnly open, TimeOnly close)
    {
        if (open >= close)
            throw new ArgumentException($"working hours must open before they close (open {open:HH:mm}, close {close:HH:mm})", nameof(close));
        Open = open;
        Close = close;
    }

    public TimeOnly Open { get; }
    public TimeOnly Close { get; }

    public static WorkingHours Default { get; } = new(new TimeOnly(9, 0), new TimeOnly(17, 0));
}

/// <summary>
/// The partnership's working-day calendar and the timescale arithmetic of the procedures.
/// Inputs and outputs are instants; days and hours are reckoned in local time (Europe/London).
/// <list type="bullet">
/// <item>"N hours" (24 h, 48 h) is elapsed time: start + N×60 minutes, whatever the calendar or the clocks
/// changing. Safeguarding does not stop for weekends.</item>
/// <item>"N working days" (1, 10; "a working week" is 5) ends at the close of working hours on the Nth
/// working day counted from the day after the start day (when the start is on a closed day, the first
/// working day after it is day 1).</item>
/// <item>"Same working day" ends at the close of working hours on the start day when the start falls inside
/// working hours on a working day; otherwise at the close of the next working day to open.</item>
/// <item>"Immediately" is the start instant itself.</item>
/// <item>"Whichever is less": a stage's deadline is the earliest of the procedure's timescale and the
/// protective timescale of the harm level.</item>
/// <item>Close of working hours is local time: 17:00 in Europe/London is 16:00 UTC in summer and 17:00 UTC in winter.</item>
/// </list>
/// </summary>
public sealed class WorkingCalendar
{
    private readonly HashSet<DateOnly> _closures;

    public WorkingCalendar(
        BankHolidays? bankHolidays = null,
        WorkingHours? hours = null,
        IEnumerable<DateOnly>? extraClosures = null,
        TimeZoneInfo? timeZone = null)
    {
        BankHolidays = bankHolidays ?? BankHolidays.EnglandAndWales;
        Hours = hours ?? WorkingHours.Default;
        _closures = [.. extraClosures ?? []];
        TimeZone = timeZone ?? TimeZoneInfo.FindSystemTimeZoneById("Europe/London");
    }

    /// <summary>England and Wales bank holidays (with the known one-off changes), 09:00-17:00, Europe/London.</summary>
    public static WorkingCalendar EnglandAndWales { get; } = new();

    public BankHolidays BankHolidays { get; }
    public WorkingHours Hours { get; }
    public TimeZoneInfo TimeZone { get; }
    public IReadOnlyCollection<DateOnly> ExtraClosures => _closures;

    public bool IsWorkingDay(DateOnly day) =>
        day.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday)
        && !_closures.Contains(day)
        && !BankHolidays.IsBankHoliday(day);

    public DateTime ToLocal(DateTimeOffset instant) => TimeZoneInfo.ConvertTime(instant, TimeZone).DateTime;

    public DateOnly LocalDay(DateTimeOffset instant) => DateOnly.FromDateTime(ToLocal(instant));

    public bool IsWithinWorkingHours(DateTimeOffset instant)
    {
        var local = ToLocal(instant);
        var time = TimeOnly.FromDateTime(local);
        return IsWorkingDay(DateOnly.FromDateTime(local)) && time >= Hours.Open && time < Hours.Close;
    }

    /// <summary>The close of working hours on <paramref name="day"/>, as a UTC instant.</summary>
    public DateTimeOffset CloseOfWorkingHours(DateOnly day) => LocalToUtc(day.ToDateTime(Hours.Close));

    /// <summary>The first working day strictly after <paramref name="day"/>.</summary>
    public DateOnly NextWorkingDayAfter(DateOnly day)
    {
        var next = day.AddDays(1);
        // A year always has working days, so this ends; the guard only stops a misconfigured closure list looping forever.
        for (var i = 0; !IsWorkingDay(next); i++, next = next.AddDays(1))
            if (i > 366) throw new InvalidOperationException($"no working day within a year after {day:yyyy-MM-dd}");
        return next;
    }

    /// <summary>The Nth working day counted from the day after <paramref name="day"/>.</summary>
    public DateOnly AddWorkingDays(DateOnly day, int workingDays)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(workingDays);
        for (var i = 0; i < workingDays; i++)
            day = NextWorkingDayAfter(day);
        return day;
    }

    /// <summary>When <paramref name="timescale"/> started at <paramref name="start"/> is due (UTC), or null for <see cref="TimescaleKind.None"/>.</summary>
    public DateTimeOffset? DueBy(DateTimeOffset start, Timescale timescale)
    {
        start = start.ToUniversalTime();
        return timescale.Kind switch
        {
            TimescaleKind.None => null,
            TimescaleKind.Immediately => start,
            TimescaleKind.Hours => start.AddMinutes(timescale.Amount * 60.0),
            TimescaleKind.WorkingDays => CloseOfWorkingHours(AddWorkingDays(LocalDay(start), timescale.Amount)),
            TimescaleKind.SameWorkingDay => SameWorkingDayClose(start),
            _ => throw new ArgumentOutOfRangeException(nameof(timescale), timescale, "unknown timescale kind"),
        };
    }

    /// <summary>The deadline of <paramref name="timescale"/> started at <paramref name="start"/>, carrying <paramref name="rule"/>; null when there is none.</summary>
    public Deadline? Deadline(DateTimeOffset start, Timescale timescale, string rule) =>
        DueBy(start, timescale) is { } due ? new Deadline(due, rule) : null;

    /// <summary>
    /// "Whichever is less": the earliest of the candidate deadlines, or null when none has a timescale.
    /// On a tie the first candidate wins, so the procedure's own rule is named when protection did not shorten it.
    /// </summary>
    public static Deadline? WhicheverIsLess(params IEnumerable<Deadline?> candidates)
    {
        Deadline? earliest = null;
        foreach (var candidate in candidates)
            if (candidate is not null && (earliest is null || candidate.Instant < earliest.Instant))
                earliest = candidate;
        return earliest;
    }

    private DateTimeOffset SameWorkingDayClose(DateTimeOffset start)
    {
        var local = ToLocal(start);
        var day = DateOnly.FromDateTime(local);
        var time = TimeOnly.FromDateTime(local);
        if (IsWorkingDay(day) && time < Hours.Close)
            // Inside working hours, or before opening on a working day: that day is the next working day to open,
            // which also keeps deadlines monotone in the start instant.
            return CloseOfWorkingHours(day);
        return CloseOfWorkingHours(NextWorkingDayAfter(day));
    }

    private DateTimeOffset LocalToUtc(DateTime local)
    {
        local = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        // Configured hours could fall in the spring-forward gap or the autumn repeat: step past the gap,
        // and take the first (earlier) of two repeated instants so a deadline is never later than meant.
        while (TimeZone.IsInvalidTime(local))
            local = local.AddMinutes(1);
        var offset = TimeZone.IsAmbiguousTime(local)
            ? TimeZone.GetAmbiguousTimeOffsets(local).Max()
            : TimeZone.GetUtcOffset(local);
        return new DateTimeOffset(local, offset).ToUniversalTime();
    }
}
