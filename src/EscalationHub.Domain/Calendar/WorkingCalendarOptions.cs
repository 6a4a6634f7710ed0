namespace EscalationHub.Domain.Calendar;

/// <summary>
/// The calendar as configuration (e.g. bound from appsettings "WorkingCalendar"): working hours, time zone,
/// one-off bank holiday changes and the partnership's extra closures. Dates are ISO "yyyy-MM-dd", times "HH:mm".
/// </summary>
public sealed class WorkingCalendarOptions
{
    public string TimeZone { get; set; } = "Europe/London";
    public string Open { get; set; } = "09:00";
    public string Close { get; set; } = "17:00";

    /// <summary>Start from <see cref="BankHolidays.KnownChanges"/> (the historic proclamations); false to configure every change here.</summary>
    public bool IncludeKnownChanges { get; set; } = true;

    /// <summary>Extra bank holidays proclaimed, e.g. a coronation or a state funeral.</summary>
    public List<ConfiguredDay> AddBankHolidays { get; set; } = [];

    /// <summary>Regular bank holidays moved away by proclamation (add the day they moved to in <see cref="AddBankHolidays"/>).</summary>
    public List<ConfiguredDay> RemoveBankHolidays { get; set; } = [];

    /// <summary>Days the partnership is closed although not bank holidays.</summary>
    public List<string> ExtraClosures { get; set; } = [];

    public sealed class ConfiguredDay
    {
        public string Date { get; set; } = "";
        public string Reason { get; set; } = "";
    }

    /// <summary>Builds the calendar; a bad value is refused naming the setting.</summary>
    public WorkingCalendar Build()
    {
        var changes = new List<BankHolidayChange>(IncludeKnownChanges ? BankHolidays.KnownChanges : []);
        changes.AddRange(RemoveBankHolidays.Select((d, i) => BankHolidayChange.Remove(Day(d.Date, $"RemoveBankHolidays[{i}].Date"), d.Reason)));
        changes.AddRange(AddBankHolidays.Select((d, i) => BankHolidayChange.Add(Day(d.Date, $"AddBankHolidays[{i}].Date"), d.Reason)));
        var closures = ExtraClosures.Select((d, i) => Day(d, $"ExtraClosures[{i}]")).ToArray();

        TimeZoneInfo zone;
        try
        {
            zone = TimeZoneInfo.FindSystemTimeZoneById(TimeZone);
        }
        catch (TimeZoneNotFoundException e)
        {
            throw new ArgumentException($"WorkingCalendar.TimeZone: unknown time zone \"{TimeZone}\"", e);
        }

        var hours = new WorkingHours(Time(Open, nameof(Open)), Time(Close, nameof(Close)));
        return new WorkingCalendar(new BankHolidays(changes), hours, closures, zone);
    }

    private static DateOnly Day(string text, string setting) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", out var day)
            ? day
            : throw new ArgumentException($"WorkingCalendar.{setting}: \"{text}\" is not a date (yyyy-MM-dd)");

    private static TimeOnly Time(string text, string setting) =>
        TimeOnly.TryParseExact(text, "HH:mm", out var time)
            ? time
            : throw new ArgumentException($"WorkingCalendar.{setting}: \"{text}\" is not a time (HH:mm)");
}
