using EscalationHub.Domain.Calendar;

namespace EscalationHub.Domain.Tests.Calendar;

/// <summary>The timescale arithmetic of DESIGN.md section 2, to the exact instant.</summary>
public class WorkingCalendarTests
{
    private static readonly WorkingCalendar Calendar = WorkingCalendar.EnglandAndWales;

    private static DateTimeOffset Utc(string iso) => DateTimeOffset.Parse(iso + "Z", null, System.Globalization.DateTimeStyles.AdjustToUniversal);

    private static DateTimeOffset? Due(string startUtc, string timescale) => Calendar.DueBy(Utc(startUtc), Timescale.Parse(timescale));

    [Fact]
    public void Europe_London_is_found_with_invariant_globalization_and_observes_summer_time()
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById("Europe/London");
        Assert.Equal(TimeSpan.Zero, zone.GetUtcOffset(Utc("2027-01-15T12:00:00")));
        Assert.Equal(TimeSpan.FromHours(1), zone.GetUtcOffset(Utc("2027-07-15T12:00:00")));
    }

    // --- N hours: elapsed time ---

    [Fact]
    public void Twenty_four_hours_across_the_spring_clock_change_is_24_elapsed_hours() =>
        // Clocks go forward at 01:00Z on Sunday 28 March 2027: the local clock shows 11:00 the next day, not 10:00.
        Assert.Equal(Utc("2027-03-28T10:00:00"), Due("2027-03-27T10:00:00", "24h"));

    [Fact]
    public void Twenty_four_hours_across_the_autumn_clock_change_is_24_elapsed_hours() =>
        Assert.Equal(Utc("2027-10-31T09:00:00"), Due("2027-10-30T09:00:00", "24h"));

    [Fact]
    public void Forty_eight_hours_runs_through_a_weekend_and_a_bank_holiday() =>
        // Friday 18:00 GMT before Christmas 2026 (Christmas is a Friday): due Sunday 18:00.
        Assert.Equal(Utc("2026-12-20T18:00:00"), Due("2026-12-18T18:00:00", "48h"));

    // --- N working days ---

    [Fact]
    public void Ten_working_days_from_a_written_concern_on_Monday_4_January_2027_end_at_17_00_GMT_on_18_January() =>
        Assert.Equal(Utc("2027-01-18T17:00:00"), Due("2027-01-04T10:00:00", "10wd"));

    [Fact]
    public void One_working_day_counts_from_the_day_after_the_start_day() =>
        Assert.Equal(Utc("2027-01-05T17:00:00"), Due("2027-01-04T08:00:00", "1wd"));

    [Fact]
    public void One_working_day_from_a_Friday_ends_on_Monday() =>
        Assert.Equal(Utc("2027-01-11T17:00:00"), Due("2027-01-08T10:00:00", "1wd"));

    [Fact]
    public void One_working_day_from_Friday_18_00_out_of_hours_ends_on_Monday() =>
        Assert.Equal(Utc("2027-01-11T17:00:00"), Due("2027-01-08T18:00:00", "1wd"));

    [Fact]
    public void A_start_on_Saturday_makes_Monday_working_day_1() =>
        Assert.Equal(Utc("2027-01-11T17:00:00"), Due("2027-01-09T11:00:00", "1wd"));

    [Fact]
    public void Working_days_skip_Easter_2027_and_close_at_16_00_UTC_in_summer_time() =>
        // Thursday 25 March (GMT): Good Friday 26th, weekend, Easter Monday 29th, so day 1 is Tuesday 30th, in BST.
        Assert.Equal(Utc("2027-03-30T16:00:00"), Due("2027-03-25T10:00:00", "1wd"));

    [Fact]
    public void Working_days_skip_Christmas_2026_and_the_Boxing_Day_substitute() =>
        // Christmas Friday 25th, Boxing Day Saturday -> Monday 28th: day 1 is Tuesday 29 December.
        Assert.Equal(Utc("2026-12-29T17:00:00"), Due("2026-12-24T12:00:00", "1wd"));

    [Fact]
    public void Working_days_skip_both_Christmas_2027_substitutes() =>
        // Christmas Saturday -> Monday 27th, Boxing Day Sunday -> Tuesday 28th: day 1 is Wednesday 29th.
        Assert.Equal(Utc("2027-12-29T17:00:00"), Due("2027-12-24T10:00:00", "1wd"));

    [Fact]
    public void A_working_week_from_before_the_spring_clock_change_closes_at_16_00_UTC() =>
        // Wednesday 24 March 2027: Thu 25, Tue 30, Wed 31, Thu 1 Apr, Fri 2 Apr.
        Assert.Equal(Utc("2027-04-02T16:00:00"), Due("2027-03-24T11:00:00", "working-week"));

    [Fact]
    public void A_working_week_from_before_the_autumn_clock_change_closes_at_17_00_UTC() =>
        // Wednesday 27 October 2027 (BST, 11:00 local): Thu 28, Fri 29, Mon 1, Tue 2, Wed 3 November (GMT).
        Assert.Equal(Utc("2027-11-03T17:00:00"), Due("2027-10-27T10:00:00", "5wd"));

    [Fact]
    public void The_local_day_decides_not_the_UTC_day() =>
        // 23:30Z on Sunday 27 June 2027 is 00:30 on Monday 28 June in London: Monday is the start day.
        Assert.Equal(Utc("2027-06-29T16:00:00"), Due("2027-06-27T23:30:00", "1wd"));

    [Fact]
    public void An_extra_closure_is_not_a_working_day()
    {
        var calendar = new WorkingCalendar(extraClosures: [new DateOnly(2027, 1, 5)]);
        Assert.Equal(Utc("2027-01-06T17:00:00"), calendar.DueBy(Utc("2027-01-04T10:00:00"), Timescale.WorkingDays(1)));
    }

    [Fact]
    public void Configured_working_hours_move_the_close()
    {
        var calendar = new WorkingCalendar(hours: new WorkingHours(new(8, 30), new(16, 30)));
        Assert.Equal(Utc("2027-07-06T15:30:00"), calendar.DueBy(Utc("2027-07-05T10:00:00"), Timescale.WorkingDays(1)));
    }

    [Fact]
    public void Working_hours_must_open_before_they_close() =>
        Assert.Throws<ArgumentException>(() => new WorkingHours(new(17, 0), new(9, 0)));

    // --- Same working day ---

    [Fact]
    public void Same_working_day_inside_hours_ends_at_todays_close_in_winter() =>
        Assert.Equal(Utc("2027-01-04T17:00:00"), Due("2027-01-04T10:00:00", "same-working-day"));

    [Fact]
    public void Same_working_day_inside_hours_ends_at_todays_close_in_summer() =>
        Assert.Equal(Utc("2027-07-05T16:00:00"), Due("2027-07-05T10:00:00", "same-working-day"));

    [Fact]
    public void Same_working_day_raised_Friday_18_00_ends_at_Mondays_close() =>
        Assert.Equal(Utc("2027-01-11T17:00:00"), Due("2027-01-08T18:00:00", "same-working-day"));

    [Fact]
    public void Same_working_day_raised_on_Saturday_ends_at_Mondays_close() =>
        Assert.Equal(Utc("2027-01-11T17:00:00"), Due("2027-01-09T09:30:00", "same-working-day"));

    [Fact]
    public void Same_working_day_at_exactly_the_close_ends_at_the_next_working_days_close() =>
        Assert.Equal(Utc("2027-01-05T17:00:00"), Due("2027-01-04T17:00:00", "same-working-day"));

    [Fact]
    public void Same_working_day_before_opening_ends_at_that_days_close() =>
        Assert.Equal(Utc("2027-01-04T17:00:00"), Due("2027-01-04T07:00:00", "same-working-day"));

    [Fact]
    public void Same_working_day_on_Good_Friday_ends_at_the_close_on_the_Tuesday_after_Easter() =>
        Assert.Equal(Utc("2027-03-30T16:00:00"), Due("2027-03-26T10:00:00", "same-working-day"));

    [Fact]
    public void Without_delay_is_taken_as_the_same_working_day() =>
        Assert.Equal(Timescale.SameWorkingDay, Timescale.Parse("without-delay"));

    // --- Immediately, none, whichever is less ---

    [Fact]
    public void Immediately_is_the_start_instant_itself() =>
        Assert.Equal(Utc("2027-01-09T03:12:45"), Due("2027-01-09T03:12:45", "immediately"));

    [Fact]
    public void No_timescale_gives_no_deadline() => Assert.Null(Due("2027-01-04T10:00:00", "none"));

    [Fact]
    public void Whichever_is_less_takes_the_protective_timescale_when_it_is_shorter()
    {
        var start = Utc("2027-01-04T10:00:00");
        var deadline = WorkingCalendar.WhicheverIsLess(
            Calendar.Deadline(start, Timescale.WorkingDays(10), "10 working days (North Wales stage 1)"),
            Calendar.Deadline(start, Timescale.SameWorkingDay, "significant harm: same working day"));
        Assert.Equal(new Deadline(Utc("2027-01-04T17:00:00"), "significant harm: same working day"), deadline);
    }

    [Fact]
    public void Whichever_is_less_keeps_the_procedures_timescale_when_protection_is_not_shorter()
    {
        var start = Utc("2027-01-04T10:00:00");
        var deadline = WorkingCalendar.WhicheverIsLess(
            Calendar.Deadline(start, Timescale.Hours(24), "24 hours (Berkshire stage 2)"),
            Calendar.Deadline(start, Timescale.None, "standard: none"));
        Assert.Equal(new Deadline(Utc("2027-01-05T10:00:00"), "24 hours (Berkshire stage 2)"), deadline);
    }

    [Fact]
    public void Whichever_is_less_of_no_timescales_is_no_deadline() =>
        Assert.Null(WorkingCalendar.WhicheverIsLess(Calendar.Deadline(Utc("2027-01-04T10:00:00"), Timescale.None, "none")));

    [Fact]
    public void A_deadline_is_stored_in_UTC() =>
        Assert.Equal(TimeSpan.Zero, new Deadline(new DateTimeOffset(2027, 7, 5, 17, 0, 0, TimeSpan.FromHours(1)), "x").Instant.Offset);

    // --- Parsing the profile spellings ---

    [Theory]
    [InlineData("24h", TimescaleKind.Hours, 24)]
    [InlineData("48h", TimescaleKind.Hours, 48)]
    [InlineData("1wd", TimescaleKind.WorkingDays, 1)]
    [InlineData("10wd", TimescaleKind.WorkingDays, 10)]
    [InlineData("working-week", TimescaleKind.WorkingDays, 5)]
    [InlineData("same-working-day", TimescaleKind.SameWorkingDay, 0)]
    [InlineData("immediately", TimescaleKind.Immediately, 0)]
    [InlineData("none", TimescaleKind.None, 0)]
    public void Profile_timescale_spellings_parse(string text, TimescaleKind kind, int amount) =>
        Assert.Equal(new Timescale(kind, amount), Timescale.Parse(text));

    [Theory]
    [InlineData("")]
    [InlineData("10 days")]
    [InlineData("0wd")]
    [InlineData("-1h")]
    [InlineData("soon")]
    public void An_unknown_timescale_is_refused_naming_the_text(string text)
    {
        Assert.False(Timescale.TryParse(text, out _, out var error));
        Assert.Contains("unknown timescale", error);
    }

    [Theory]
    [InlineData("24h")]
    [InlineData("10wd")]
    [InlineData("same-working-day")]
    [InlineData("immediately")]
    [InlineData("none")]
    public void A_timescale_prints_as_it_parses(string text) => Assert.Equal(text, Timescale.Parse(text).ToString());
}
