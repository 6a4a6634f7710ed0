using EscalationHub.Domain.Children;

namespace EscalationHub.Domain.Tests.Children;

public class ChildIdentityMatchTests
{
    private static readonly ChildIdentity Held = new("Amelia", "Testchild", new DateOnly(2024, 3, 14));

    [Theory]
    [InlineData("Amelia", "Testchild", "2024-03-14", true, "the same details")]
    [InlineData("AMELIA", "testchild", "2024-03-14", true, "case is ignored")]
    [InlineData("Amelia", "Newfamily", "2024-03-14", true, "a new family name (adoption): the given name matches")]
    [InlineData("Amelie", "Testchild", "2024-03-14", true, "a typo in the given name: the family name matches")]
    [InlineData("Amélia", "Test-Child", "2024-03-14", true, "diacritics and hyphens are ignored")]
    [InlineData(" Amelia ", "Test child", "2024-03-14", true, "spaces are ignored")]
    [InlineData("Amelia", "Testchild", "2024-03-15", false, "another date of birth, even with both names")]
    [InlineData("Amelia", "Testchild", "2014-03-14", false, "another year of birth")]
    [InlineData("Oliver", "Smith", "2024-03-14", false, "neither name, even on the same date of birth")]
    [InlineData("Amelie", "Testchilde", "2024-03-14", false, "a typo in both names")]
    [InlineData("Oliver", "Smith", "2020-01-02", false, "another child altogether")]
    public void A_child_file_is_joined_only_on_the_same_date_of_birth_and_one_matching_name(
        string given, string family, string dateOfBirth, bool joins, string why)
    {
        var matches = ChildIdentityMatch.Matches(Held, new ChildIdentity(given, family, DateOnly.Parse(dateOfBirth)));

        Assert.True(joins == matches, why);
    }

    [Theory]
    [InlineData("O'Brien-Smith", "obriensmith")]
    [InlineData("O’Brien", "obrien")]
    [InlineData("Zoë", "zoe")]
    [InlineData("Siân", "sian")]
    [InlineData("  Mary Jane  ", "maryjane")]
    [InlineData("ÇELİK", "celik")]
    [InlineData("", "")]
    [InlineData("-' ", "")]
    public void Names_are_compared_without_case_diacritics_spaces_hyphens_or_apostrophes(string name, string normalised) =>
        Assert.Equal(normalised, ChildIdentityMatch.Normalise(name));

    [Fact]
    public void Names_that_normalise_to_nothing_never_match()
    {
        Assert.False(ChildIdentityMatch.SameName("-", "'"));
        Assert.False(ChildIdentityMatch.Matches(new ChildIdentity("-", "'", Held.DateOfBirth), new ChildIdentity("-", "'", Held.DateOfBirth)));
    }
}
