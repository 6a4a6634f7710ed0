namespace EscalationHub.Domain.Identifiers;

/// <summary>A ten-digit NHS number whose last digit is the modulus 11 check digit of the first nine. Numbers of one
/// repeated digit (0000000000, 1111111111...) pass the check trivially and are never issued: refused.</summary>
public readonly record struct NhsNumber
{
    public string Value { get; }

    private NhsNumber(string value) => Value = value;

    public override string ToString() => Value;

    /// <summary>Parses "943 476 5919", "943-476-5919" or "9434765919"; the error says what is wrong.</summary>
    public static bool TryParse(string? text, out NhsNumber nhsNumber, out string error)
    {
        nhsNumber = default;
        var digits = (text ?? "").Replace(" ", "").Replace("-", "");
        if (digits.Length != 10 || !digits.All(char.IsAsciiDigit))
        {
            error = "must be 10 digits";
            return false;
        }

        if (digits.All(d => d == digits[0]))
        {
            error = "is not an NHS number (one digit repeated)";
            return false;
        }

        var sum = 0;
        for (var i = 0; i < 9; i++)
            sum += (digits[i] - '0') * (10 - i);
        var check = 11 - sum % 11;
        if (check == 11) check = 0;
        if (check == 10 || check != digits[9] - '0')
        {
            error = "fails the modulus 11 check digit";
            return false;
        }

        nhsNumber = new NhsNumber(digits);
        error = "";
        return true;
    }
}
