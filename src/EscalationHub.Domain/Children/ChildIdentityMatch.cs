using System.Globalization;
using System.Text;

namespace EscalationHub.Domain.Children;

/// <summary>
/// When a concern naming an NHS number may join the child file already held for that number. The rule: the date of
/// birth is the same day, and the family name or the given name is the same once normalised (<see cref="Normalise"/>:
/// case ignored, diacritics removed, spaces, hyphens and apostrophes ignored). One name is enough so that a child
/// known by a new family name (adoption, a change of carer) still matches on the given name, and a typo in one name
/// does not stop a referral; an NHS number alone never is. Anything else is refused, telling the caller nothing of
/// the identity held.
/// </summary>
public static class ChildIdentityMatch
{
    /// <summary>True when the details given (<paramref name="given"/>) may join the file held (<paramref name="held"/>)
    /// for the same NHS number.</summary>
    public static bool Matches(ChildIdentity held, ChildIdentity given) =>
        held.DateOfBirth == given.DateOfBirth
        && (SameName(held.FamilyName, given.FamilyName) || SameName(held.GivenName, given.GivenName));

    /// <summary>Two names are the same when their normalised forms are equal and not empty.</summary>
    public static bool SameName(string? a, string? b)
    {
        var left = Normalise(a);
        return left.Length > 0 && left == Normalise(b);
    }

    /// <summary>The name as compared: lower case, Latin letters with diacritics folded to their base letters ("Zoë" is
    /// "zoe", "Çelik" is "celik", "Łucja" is "lucja"; the hub runs with invariant globalization, so this is a table, not
    /// Unicode decomposition), combining marks dropped, and letters and digits only: spaces, hyphens, apostrophes and
    /// any other punctuation go ("O'Brien-Smith" is "obriensmith").</summary>
    public static string Normalise(string? name)
    {
        if (string.IsNullOrEmpty(name)) return "";
        var builder = new StringBuilder(name.Length);
        foreach (var c in name)
        {
            if (CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.NonSpacingMark || !char.IsLetterOrDigit(c)) continue;
            var lower = char.ToLowerInvariant(c);
            if (Folded.TryGetValue(lower, out var plain)) builder.Append(plain);
            else builder.Append(lower);
        }
        return builder.ToString();
    }

    // Lower-case Latin-1 Supplement and Latin Extended-A letters with their base letters.
    private static readonly Dictionary<char, string> Folded = new (string Letters, string Plain)[]
    {
        ("àáâãäåāăą", "a"), ("æ", "ae"), ("çćĉċč", "c"), ("ðďđ", "d"), ("èéêëēĕėęě", "e"), ("ĝğġģ", "g"), ("ĥħ", "h"),
        ("ìíîïĩīĭįıİ", "i"), ("ĳ", "ij"), ("ĵ", "j"), ("ķĸ", "k"), ("ĺļľŀł", "l"), ("ñńņňŉŋ", "n"), ("òóôõöøōŏő", "o"),
        ("œ", "oe"), ("ŕŗř", "r"), ("śŝşšſ", "s"), ("ß", "ss"), ("ţťŧ", "t"), ("þ", "th"), ("ùúûüũūŭůűų", "u"), ("ŵ", "w"),
        ("ýÿŷ", "y"), ("źżž", "z"),
    }.SelectMany(f => f.Letters.Select(c => (c, f.Plain))).ToDictionary(x => x.c, x => x.Plain);
}

/// <summary>What identifies a child beside the NHS number: the names and the date of birth.</summary>
public readonly record struct ChildIdentity(string GivenName, string FamilyName, DateOnly DateOfBirth);
