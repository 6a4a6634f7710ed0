using EscalationHub.Domain.Identifiers;

namespace EscalationHub.Domain.Tests;

public class NhsNumberTests
{
    [Theory]
    [InlineData("9434765919")]
    [InlineData("943 476 5919")]
    [InlineData("943-476-5919")]
    [InlineData("4010232137")]
    public void A_number_with_a_correct_check_digit_is_accepted(string text)
    {
        Assert.True(NhsNumber.TryParse(text, out var number, out _));
        Assert.Equal(10, number.Value.Length);
    }

    [Theory]
    [InlineData("9434765918", "modulus 11")]
    [InlineData("1234567890", "modulus 11")] // check digit would be 10: never issued
    [InlineData("943476591", "10 digits")]
    [InlineData("94347659190", "10 digits")]
    [InlineData("94347A5919", "10 digits")]
    [InlineData("", "10 digits")]
    public void A_malformed_number_is_refused_with_the_reason(string text, string reason)
    {
        Assert.False(NhsNumber.TryParse(text, out _, out var error));
        Assert.Contains(reason, error);
    }

    [Theory]
    [InlineData("0000000000")]
    [InlineData("1111111111")]
    [InlineData("222 222 2222")]
    [InlineData("9999999999")]
    public void A_number_of_one_repeated_digit_is_refused_though_it_passes_the_check_digit(string text)
    {
        Assert.False(NhsNumber.TryParse(text, out _, out var error));
        Assert.Contains("repeated", error);
    }
}
