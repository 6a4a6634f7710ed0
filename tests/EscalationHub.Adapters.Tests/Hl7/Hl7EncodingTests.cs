using CsCheck;
using EscalationHub.Adapters.Health.Hl7;

namespace EscalationHub.Adapters.Tests.Hl7;

public class Hl7EncodingTests
{
    private static readonly Hl7Encoding Standard = Hl7Encoding.Default;

    [Theory]
    [InlineData(@"Smith\F\Jones", "Smith|Jones")]
    [InlineData(@"A\S\B", "A^B")]
    [InlineData(@"Flat 2 \T\ 3", "Flat 2 & 3")]
    [InlineData(@"one\R\two", "one~two")]
    [InlineData(@"C:\E\temp", @"C:\temp")]
    [InlineData(@"line one\.br\line two", "line one\nline two")]
    [InlineData(@"\H\urgent\N\ today", "urgent today")]
    [InlineData(@"\X28\CP plan\X29\", "(CP plan)")]
    [InlineData(@"Ren\XC3A9\e", "Renée")]
    [InlineData(@"Ren\XE9\e", "Renée")]
    public void Escape_sequences_are_expanded_to_the_characters_they_stand_for(string escaped, string expected) =>
        Assert.Equal(expected, Standard.Unescape(escaped));

    [Theory]
    [InlineData(@"\Z99\")]
    [InlineData(@"\XZZ\")]
    [InlineData(@"no closing \E")]
    public void An_unknown_or_broken_escape_is_kept_as_written(string text) => Assert.Equal(text, Standard.Unescape(text));

    [Fact]
    public void Escapes_follow_the_delimiters_the_message_declares()
    {
        var custom = new Hl7Encoding('#', '$', '%', '!', '*');
        Assert.Equal("a#b$c*d%e!f", custom.Unescape("a!F!b!S!c!T!d!R!e!E!f"));
        Assert.Equal("a!F!b!S!c", custom.EscapeValue("a#b$c"));
    }

    [Fact]
    public void Any_text_survives_escaping_and_unescaping()
    {
        Gen.String[Gen.Char["|^~\\&ab \n.XFSTRE0123456789"], 0, 40]
            .Sample(text => Standard.Unescape(Standard.EscapeValue(text)) == text);
    }

    [Fact]
    public void Escaped_text_contains_no_delimiter_that_could_split_it()
    {
        Gen.String[Gen.Char["|^~\\&a\n"], 0, 30].Sample(text =>
        {
            var escaped = Standard.EscapeValue(text);
            return !escaped.Any(c => c is '|' or '^' or '~' or '&' or '\n');
        });
    }
}
