using EscalationHub.Domain.Text;

namespace EscalationHub.Domain.Tests.Text;

public class TextRulesTests
{
    [Theory]
    [InlineData("Amelia")]
    [InlineData("O'Brien-Smith")]
    [InlineData("Zoë")]
    [InlineData("محمد")]                  // right-to-left script itself is fine; only the invisible controls are not
    [InlineData("Named Nurse for Safeguarding")]
    [InlineData("क्‍ष")]                   // a zero-width joiner inside a name is allowed
    public void Plain_names_are_accepted(string name) => Assert.Null(TextRules.NameProblem(name));

    [Theory]
    [InlineData("Nurse\0", "control")]
    [InlineData("Nurse\u007F", "control")]
    [InlineData("Nurse\u0085", "control")]     // C1 (NEL)
    [InlineData("Nurse\u009B", "control")]     // C1 (CSI)
    [InlineData("Nurse\u001B[2J", "control")]  // an ANSI escape
    [InlineData("Line\nbreak", "control")]     // a name is one line
    [InlineData("Tab\tbed", "control")]
    [InlineData("Smith\u202Eevil", "bidirectional")]
    [InlineData("Smith\u202A", "bidirectional")]
    [InlineData("\u2066Smith\u2069", "bidirectional")]
    [InlineData("Smith\u200E", "bidirectional")]
    [InlineData("Smith\u200F", "bidirectional")]
    [InlineData("Smith\u061C", "bidirectional")]
    [InlineData("\u200B", "visible")]
    [InlineData("\u200B\u200C\u200D\u2060\uFEFF", "visible")]
    [InlineData(" \u200B ", "visible")]
    public void Names_with_control_bidirectional_or_only_invisible_characters_are_refused(string name, string reason)
    {
        var problem = TextRules.NameProblem(name);
        Assert.NotNull(problem);
        Assert.Contains(reason, problem);
    }

    [Theory]
    [InlineData("Seen in ED.\r\nBruising to both arms.\n\tSibling known to CSC.")]
    [InlineData("Plain sentence.")]
    public void Free_text_may_run_over_lines_and_use_tabs(string text) => Assert.Null(TextRules.FreeTextProblem(text));

    [Theory]
    [InlineData("Bruising\0", "control")]
    [InlineData("Bruising \u001B[8m hidden", "control")]
    [InlineData("Bruising\u007F", "control")]
    [InlineData("Bruising\u0090", "control")]
    [InlineData("Bruising \u2067no concerns\u2069", "bidirectional")]
    [InlineData("\u202Ereversed", "bidirectional")]
    [InlineData("\u200B\r\n\u200B", "visible")]
    public void Free_text_with_other_controls_bidirectional_controls_or_nothing_visible_is_refused(string text, string reason)
    {
        var problem = TextRules.FreeTextProblem(text);
        Assert.NotNull(problem);
        Assert.Contains(reason, problem);
    }

    [Fact]
    public void The_refusal_says_which_character_and_where()
    {
        Assert.Equal("must not contain bidirectional controls (U+202E at position 6)", TextRules.NameProblem("Smith\u202E"));
    }
}
