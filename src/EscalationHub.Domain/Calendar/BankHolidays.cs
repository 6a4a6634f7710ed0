using System.Collections.Concurrent;

namespace EscalationHub.Domain.Calendar;

/// <summary>A day on which the working calendar of England and Wales is closed.</summary>
public sealed record BankHoliday(DateOnly Date, string Name);

/// <summary>
/// A one-off change to the bank holidays of one year, announced by proclamation: either an extra day
/// (<see cref="Add"/>) or a regular day that was moved away (<see cref="Remove"/>).
/// </summary>
public sealed record BankHolidayChange(DateOnly Date, bool IsAddition, string Reason)
{
    public static BankHolidayChange Add(DateOnly date, string reason) => new(date, true, reason);
    public static BankHolidayChange Remove(DateOnly date, string reason) => new(date, false, reason);
}

/// <summary>
/// The bank holidays of England and Wales for any year: New Year's Day, Good Friday, Easter Monday,
/// the early May (first Monday of May), spring (last Monday of May) and summer (last Monday of August)
/// bank holidays, Christmas Day and Boxing Day. A fixed-date holiday that falls on a weekend, or on a
/// day already taken by another holiday, moves to the next free weekday ("substitute day"): Christmas
/// on a Saturday gives Monday 27th and Boxing Day on the Sunday gives Tuesday 28th.
/// One-off changes are configuration, passed in; <see cref="KnownChanges"/> is the documented default.
/// </summary>
public sealed class BankHolidays
{
    private readonly ILookup<int, BankHolidayChange> _changesByYear;
    private readonly ConcurrentDictionary<int, IReadOnlyList<BankHoliday>> _byYear = new();

    public BankHolidays(IEnumerable<BankHolidayChange> changes)
    {
        Changes = changes.ToArray();
        _changesByYear = Changes.ToLookup(c => c.Date.Year);
    }

    public IReadOnlyList<BankHolidayChange> Changes { get; }

    /// <summary>
    /// Historic one-off changes announced for England and Wales (gov.uk). New proclamations are
    /// added by configuration, not by changing this list.
    /// </summary>
    public static IReadOnlyList<BankHolidayChange> KnownChanges { get; } =
    [
        BankHolidayChange.Remove(new(1995, 5, 1), "early May bank holiday moved for the 50th anniversary of VE Day"),
        BankHolidayChange.Add(new(1995, 5, 8), "early May bank holiday (VE Day 50th anniversary)"),
        BankHolidayChange.Add(new(1999, 12, 31), "Millennium celebrations"),
        BankHolidayChange.Remove(new(2002, 5, 27), "spring bank holiday moved for the Golden Jubilee"),
        BankHolidayChange.Add(new(2002, 6, 3), "spring bank holiday (Golden Jubilee)"),
        BankHolidayChange.Add(new(2002, 6, 4), "Golden Jubilee bank holiday"),
        BankHolidayChange.Add(new(2011, 4, 29), "Royal Wedding"),
        BankHolidayChange.Remove(new(2012, 5, 28), "spring bank holiday moved for the Diamond Jubilee"),
        BankHolidayChange.Add(new(2012, 6, 4), "spring bank holiday (Diamond Jubilee)"),
        BankHolidayChange.Add(new(2012, 6, 5), "Queen's Diamond Jubilee"),
        BankHolidayChange.Remove(new(2020, 5, 4), "early May bank holiday moved for the 75th anniversary of VE Day"),
        BankHolidayChange.Add(new(2020, 5, 8), "early May bank holiday (VE Day)"),
        BankHolidayChange.Remove(new(2022, 5, 30), "spring bank holiday moved for the Platinum Jubilee"),
        BankHolidayChange.Add(new(2022, 6, 2), "spring bank holiday"),
        BankHolidayChange.Add(new(2022, 6, 3), "Platinum Jubilee bank holiday"),
        BankHolidayChange.Add(new(2022, 9, 19), "Bank Holiday for the State Funeral of Queen Elizabeth II"),
        BankHolidayChange.Add(new(2023, 5, 8), "Bank holiday for the coronation of King Charles III"),
    ];

    /// <summary>England and Wales with the known historic one-off changes.</summary>
    public static BankHolidays EnglandAndWales { get; } = new(KnownChanges);

    /// <summary>The bank holidays of <paramref name="year"/>, in date order.</summary>
    public IReadOnlyList<BankHoliday> For(int year) => _byYear.GetOrAdd(year, Compute);

    public bool IsBankHoliday(DateOnly date) => For(date.Year).Any(h => h.Date == date);

    /// <summary>Easter Sunday by the anonymous Gregorian algorithm (Meeus/Jones/Butcher).</summary>
    public static DateOnly EasterSunday(int year)
    {
        var a = year % 19;
        var b = year / 100;
        var c = year % 100;
        var d = b / 4;
        var e = b % 4;
        var f = (b + 8) / 25;
        var g = (b - f + 1) / 3;
        var h = (19 * a + b - d - g + 15) % 30;
        var i = c / 4;
        var k = c % 4;
        var l = (32 + 2 * e + 2 * i - h - k) % 7;
        var m = (a + 11 * h + 22 * l) / 451;
        var month = (h + l - 7 * m + 114) / 31;
        var day = (h + l - 7 * m + 114) % 31 + 1;
        return new DateOnly(year, month, day);
    }

    private IReadOnlyList<BankHoliday> Compute(int year)
    {
        if (year is < 1 or > 9998)
            throw new ArgumentOutOfRangeException(nameof(year), year, "year must be between 1 and 9998");

        var easter = EasterSunday(year);
        var holidays = new List<BankHoliday>
        {
            new(easter.AddDays(-2), "Good Friday"),
            new(easter.AddDays(1), "Easter Monday"),
            new(FirstMonday(year, 5), "Early May bank holiday"),
            new(LastMonday(year, 5), "Spring bank holiday"),
            new(LastMonday(year, 8), "Summer bank holiday"),
        };

        // Fixed dates on a weekday keep their day first, so that a weekend holiday's substitute
        // goes to the next day left free (Christmas on Sunday: Boxing Day Monday 26th, Christmas Tuesday 27th).
        (DateOnly Date, string Name)[] fixedDates =
        [
            (new(year, 1, 1), "New Year's Day"),
            (new(year, 12, 25), "Christmas Day"),
            (new(year, 12, 26), "Boxing Day"),
        ];
        foreach (var (date, name) in fixedDates.Where(f => !IsWeekend(f.Date)))
            holidays.Add(new(date, name));
        foreach (var (date, name) in fixedDates.Where(f => IsWeekend(f.Date)))
        {
            var substitute = date;
            while (IsWeekend(substitute) || holidays.Any(h => h.Date == substitute))
                substitute = substitute.AddDays(1);
            holidays.Add(new(substitute, $"{name} (substitute day)"));
        }

        // Removals first so that a proclamation can move a holiday onto a day it also frees.
        foreach (var change in _changesByYear[year].Where(c => !c.IsAddition))
            holidays.RemoveAll(h => h.Date == change.Date);
        foreach (var change in _changesByYear[year].Where(c => c.IsAddition))
        {
            if (!holidays.Any(h => h.Date == change.Date))
                holidays.Add(new(change.Date, change.Reason));
        }

        return holidays.OrderBy(h => h.Date).ToArray();
    }

    private static bool IsWeekend(DateOnly date) => date.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday;

    private static DateOnly FirstMonday(int year, int month)
    {
        var date = new DateOnly(year, month, 1);
        while (date.DayOfWeek != DayOfWeek.Monday) date = date.AddDays(1);
        return date;
    }

    private static DateOnly LastMonday(int year, int month)
    {
        var date = new DateOnly(year, month, DateTime.DaysInMonth(year, month));
        while (date.DayOfWeek != DayOfWeek.Monday) date = date.AddDays(-1);
        return date;
    }
}
