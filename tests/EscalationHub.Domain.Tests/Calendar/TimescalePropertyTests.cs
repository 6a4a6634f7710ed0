using CsCheck;
using EscalationHub.Domain.Calendar;

namespace EscalationHub.Domain.Tests.Calendar;

public class TimescalePropertyTests
{
    private static readonly WorkingCalendar Calendar = WorkingCalendar.EnglandAndWales;

    // Any minute from 2019 to 2031, which covers clock changes, Easter dates and every Christmas pattern.
    private static readonly DateTimeOffset From = new(2019, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly Gen<DateTimeOffset> Instant = Gen.Long[0, 13L * 366 * 24 * 60].Select(m => From.AddMinutes(m));
    private static readonly Gen<int> Days = Gen.Int[1, 30];

    [Fact]
    public void A_working_day_deadline_never_falls_on_a_closed_day() =>
        Gen.Select(Instant, Days).Sample((start, n) =>
        {
            var due = Calendar.DueBy(start, Timescale.WorkingDays(n))!.Value;
            return Calendar.IsWorkingDay(Calendar.LocalDay(due)) && TimeOnly.FromDateTime(Calendar.ToLocal(due)) == new TimeOnly(17, 0);
        });

    [Fact]
    public void A_same_working_day_deadline_never_falls_on_a_closed_day_nor_before_the_start() =>
        Instant.Sample(start =>
        {
            var due = Calendar.DueBy(start, Timescale.SameWorkingDay)!.Value;
            return Calendar.IsWorkingDay(Calendar.LocalDay(due)) && due > start;
        });

    [Fact]
    public void Adding_n_then_m_working_days_from_the_close_equals_adding_n_plus_m() =>
        // From the close of working hours on the nth day, m more working days lands where n+m would.
        Gen.Select(Instant, Days, Days).Sample((start, n, m) =>
        {
            var afterN = Calendar.DueBy(start, Timescale.WorkingDays(n))!.Value;
            return Calendar.DueBy(afterN, Timescale.WorkingDays(m)) == Calendar.DueBy(start, Timescale.WorkingDays(n + m));
        });

    [Fact]
    public void Deadlines_are_monotone_in_the_start_instant() =>
        Gen.Select(Instant, Gen.Int[0, 5 * 24 * 60], Gen.OneOf<string>("1wd", "10wd", "24h", "48h", "same-working-day", "immediately")).Sample((start, laterBy, text) =>
        {
            var timescale = Timescale.Parse(text);
            return Calendar.DueBy(start, timescale) <= Calendar.DueBy(start.AddMinutes(laterBy), timescale);
        });

    [Fact]
    public void N_hours_is_always_exactly_N_times_3600_seconds() =>
        Gen.Select(Instant, Gen.Int[1, 500]).Sample((start, n) =>
            (Calendar.DueBy(start, Timescale.Hours(n))!.Value - start).TotalSeconds == n * 3600.0);

    [Fact]
    public void A_deadline_is_never_before_its_start() =>
        Gen.Select(Instant, Gen.OneOf<string>("1wd", "10wd", "24h", "same-working-day", "immediately")).Sample((start, text) =>
            Calendar.DueBy(start, Timescale.Parse(text)) >= start);
}
