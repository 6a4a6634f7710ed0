using EscalationHub.Domain.Calendar;

namespace EscalationHub.Domain.Tests.Calendar;

public class BankHolidaysTests
{
    private static string[] Dates(int year) =>
        BankHolidays.EnglandAndWales.For(year).Select(h => h.Date.ToString("yyyy-MM-dd")).ToArray();

    [Theory]
    [InlineData(2020, 4, 12)]
    [InlineData(2021, 4, 4)]
    [InlineData(2022, 4, 17)]
    [InlineData(2023, 4, 9)]
    [InlineData(2024, 3, 31)]
    [InlineData(2025, 4, 20)]
    [InlineData(2026, 4, 5)]
    [InlineData(2027, 3, 28)]
    [InlineData(2028, 4, 16)]
    [InlineData(2038, 4, 25)] // latest possible
    [InlineData(2285, 3, 22)] // earliest possible
    public void Easter_Sunday_follows_the_anonymous_Gregorian_algorithm(int year, int month, int day) =>
        Assert.Equal(new DateOnly(year, month, day), BankHolidays.EasterSunday(year));

    [Fact]
    public void The_2025_list_matches_gov_uk() => Assert.Equal(
        ["2025-01-01", "2025-04-18", "2025-04-21", "2025-05-05", "2025-05-26", "2025-08-25", "2025-12-25", "2025-12-26"],
        Dates(2025));

    [Fact]
    public void The_2026_list_matches_gov_uk_with_Boxing_Day_on_a_Saturday_moved_to_Monday_28th() => Assert.Equal(
        ["2026-01-01", "2026-04-03", "2026-04-06", "2026-05-04", "2026-05-25", "2026-08-31", "2026-12-25", "2026-12-28"],
        Dates(2026));

    [Fact]
    public void The_2027_list_matches_gov_uk_with_Christmas_on_Saturday_on_the_27th_and_Boxing_Day_on_the_28th() => Assert.Equal(
        ["2027-01-01", "2027-03-26", "2027-03-29", "2027-05-03", "2027-05-31", "2027-08-30", "2027-12-27", "2027-12-28"],
        Dates(2027));

    [Fact]
    public void New_Years_Day_on_a_Saturday_moves_to_Monday() => Assert.Equal(
        ["2028-01-03", "2028-04-14", "2028-04-17", "2028-05-01", "2028-05-29", "2028-08-28", "2028-12-25", "2028-12-26"],
        Dates(2028));

    [Fact]
    public void Christmas_on_a_Sunday_leaves_Boxing_Day_on_Monday_and_substitutes_Tuesday_27th()
    {
        var christmas2022 = BankHolidays.EnglandAndWales.For(2022).Where(h => h.Date.Month == 12).ToArray();
        Assert.Equal([new(new(2022, 12, 26), "Boxing Day"), new(new(2022, 12, 27), "Christmas Day (substitute day)")], christmas2022);
    }

    [Fact]
    public void The_2020_early_May_bank_holiday_moved_to_Friday_8_May() => Assert.Equal(
        ["2020-01-01", "2020-04-10", "2020-04-13", "2020-05-08", "2020-05-25", "2020-08-31", "2020-12-25", "2020-12-28"],
        Dates(2020));

    [Fact]
    public void The_2022_spring_bank_holiday_moved_to_2_June_with_the_jubilee_on_3_June_and_the_state_funeral() => Assert.Equal(
        ["2022-01-03", "2022-04-15", "2022-04-18", "2022-05-02", "2022-06-02", "2022-06-03", "2022-08-29", "2022-09-19", "2022-12-26", "2022-12-27"],
        Dates(2022));

    [Fact]
    public void The_2023_coronation_added_Monday_8_May() => Assert.Equal(
        ["2023-01-02", "2023-04-07", "2023-04-10", "2023-05-01", "2023-05-08", "2023-05-29", "2023-08-28", "2023-12-25", "2023-12-26"],
        Dates(2023));

    [Fact]
    public void Without_configured_changes_the_regular_rules_alone_apply()
    {
        var plain = new BankHolidays([]);
        Assert.Contains(plain.For(2020), h => h.Date == new DateOnly(2020, 5, 4));
        Assert.DoesNotContain(plain.For(2023), h => h.Date == new DateOnly(2023, 5, 8));
    }

    [Fact]
    public void A_configured_change_adds_and_removes_days_of_its_year_only()
    {
        var holidays = new BankHolidays(
        [
            BankHolidayChange.Remove(new(2030, 5, 6), "moved"),
            BankHolidayChange.Add(new(2030, 5, 10), "moved here"),
        ]);
        Assert.False(holidays.IsBankHoliday(new(2030, 5, 6)));
        Assert.True(holidays.IsBankHoliday(new(2030, 5, 10)));
        Assert.True(holidays.IsBankHoliday(new(2031, 5, 5)));
    }

    [Fact]
    public void Every_year_has_at_least_eight_weekday_holidays_none_on_a_weekend()
    {
        for (var year = 1900; year <= 2200; year++)
        {
            var days = new BankHolidays([]).For(year);
            Assert.Equal(8, days.Count);
            Assert.All(days, h => Assert.False(h.Date.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday, $"{h} on a weekend"));
            Assert.Equal(8, days.Select(h => h.Date).Distinct().Count());
        }
    }
}
