using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Text.RegularExpressions;

namespace EscalationHub.Cli.Commands;

/// <summary>Durations as operators write them: 30m, 4h, 7d, 90s or combined (1d12h); or [d.]hh:mm[:ss] with hours below
/// 24 (TimeSpan's own parser reads "168:00:00" as 168 days, so the invariant form is taken strictly).</summary>
public static partial class Durations
{
    public static Option<TimeSpan> Option(string name, string description) => new(name)
    {
        Description = description + " (e.g. 30m, 4h, 7d, 1d12h)",
        DefaultValueFactory = _ => TimeSpan.Zero,
        CustomParser = Parse,
    };

    private static TimeSpan Parse(ArgumentResult result)
    {
        var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
        if (TryParse(text, out var duration)) return duration;
        result.AddError($"'{text}' is not a duration: write e.g. 30m, 4h, 7d, 1d12h (or hh:mm:ss)");
        return TimeSpan.Zero;
    }

    public static bool TryParse(string text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        var match = Parts().Match(text.Trim());
        if (match.Success && match.Length > 0)
        {
            foreach (Capture part in match.Groups["part"].Captures)
            {
                var amount = long.Parse(part.Value[..^1], CultureInfo.InvariantCulture);
                duration += char.ToLowerInvariant(part.Value[^1]) switch
                {
                    'd' => TimeSpan.FromDays(amount), 'h' => TimeSpan.FromHours(amount),
                    'm' => TimeSpan.FromMinutes(amount), _ => TimeSpan.FromSeconds(amount),
                };
            }
            return true;
        }
        return TimeSpan.TryParseExact(text.Trim(), "c", CultureInfo.InvariantCulture, out duration) && duration >= TimeSpan.Zero;
    }

    [GeneratedRegex(@"^(?<part>\d{1,6}[dhmsDHMS])+$")]
    private static partial Regex Parts();
}
