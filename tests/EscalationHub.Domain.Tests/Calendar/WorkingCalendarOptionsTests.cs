using EscalationHub.Domain.Calendar;

namespace EscalationHub.Domain.Tests.Calendar;

public class WorkingCalendarOptionsTests
{
    [Fact]
    public void The_default_options_give_the_England_and_Wales_calendar()
    {
        var calendar = new WorkingCalendarOptions().Build();
        Assert.Equal("Europe/London", calendar.TimeZone.Id);
        Assert.Equal(WorkingHours.Default, calendar.Hours);
        Assert.True(calendar.BankHolidays.IsBankHoliday(new(2023, 5, 8)));
    }

    [Fact]
    public void Configured_proclamations_and_closures_change_the_working_days()
    {
        var calendar = new WorkingCalendarOptions
        {
            Open = "08:30",
            Close = "16:30",
            AddBankHolidays = [new() { Date = "2030-06-07", Reason = "proclaimed" }],
            RemoveBankHolidays = [new() { Date = "2030-05-27", Reason = "moved" }],
            ExtraClosures = ["2030-12-24"],
        }.Build();
        Assert.False(calendar.IsWorkingDay(new(2030, 6, 7)));
        Assert.True(calendar.IsWorkingDay(new(2030, 5, 27)));
        Assert.False(calendar.IsWorkingDay(new(2030, 12, 24)));
        Assert.Equal(new TimeOnly(16, 30), calendar.Hours.Close);
    }

    [Fact]
    public void Known_changes_can_be_left_out()
    {
        var calendar = new WorkingCalendarOptions { IncludeKnownChanges = false }.Build();
        Assert.False(calendar.BankHolidays.IsBankHoliday(new(2023, 5, 8)));
    }

    [Theory]
    [InlineData("ExtraClosures[0]")]
    [InlineData("Close")]
    [InlineData("TimeZone")]
    public void A_bad_setting_is_refused_by_name(string setting)
    {
        var options = setting switch
        {
            "ExtraClosures[0]" => new WorkingCalendarOptions { ExtraClosures = ["24/12/2030"] },
            "Close" => new WorkingCalendarOptions { Close = "5pm" },
            _ => new WorkingCalendarOptions { TimeZone = "Mars/Olympus" },
        };
        Assert.Contains(setting, Assert.Throws<ArgumentException>(() => options.Build()).Message);
    }
}
