using System.Security.Cryptography;

namespace EscalationHub.Server.Concerns;

public static class Identifiers
{
    // Crockford base32 without I, L, O, U: easy to read aloud over the phone.
    private const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    /// <summary>A random, non-identifying reference such as "CN-4KQ7ZP2M": 40 bits, so collisions are
    /// vanishingly rare and the unique index refuses the rest.</summary>
    public static string NewReference(string prefix) =>
        prefix + "-" + new string(RandomNumberGenerator.GetItems<char>(Alphabet, 8));
}
