using System.Text.Json.Serialization;

namespace EscalationHub.Domain.Disagreements;

/// <summary>What the partnership should learn from a disagreement, as a small coded vocabulary, so that learning can be
/// counted across cases without reading anyone's words (the free text stays with the parties and is never reported).
/// Drawn from what the procedures ask partnerships to look for: whether thresholds were understood alike, whether
/// information was shared, whether agencies could reach each other, whether escalation came in time, whether roles
/// were clear, and whether the record was kept.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<LearningTheme>))]
public enum LearningTheme
{
    /// <summary>Agencies read the threshold for intervention differently ("threshold-understanding").</summary>
    ThresholdUnderstanding,
    /// <summary>Information was not shared, or not in time ("information-sharing").</summary>
    InformationSharing,
    /// <summary>Agencies could not reach or understand each other ("communication").</summary>
    Communication,
    /// <summary>The disagreement was escalated late, or drifted ("escalation-timeliness").</summary>
    EscalationTimeliness,
    /// <summary>Who should do what was unclear ("role-clarity").</summary>
    RoleClarity,
    /// <summary>Discussions or decisions were not recorded as required ("record-keeping").</summary>
    RecordKeeping,
    /// <summary>None of the above ("other").</summary>
    Other,
}

public static class LearningThemes
{
    private static readonly Dictionary<LearningTheme, string> ToCode = new()
    {
        [LearningTheme.ThresholdUnderstanding] = "threshold-understanding",
        [LearningTheme.InformationSharing] = "information-sharing",
        [LearningTheme.Communication] = "communication",
        [LearningTheme.EscalationTimeliness] = "escalation-timeliness",
        [LearningTheme.RoleClarity] = "role-clarity",
        [LearningTheme.RecordKeeping] = "record-keeping",
        [LearningTheme.Other] = "other",
    };

    private static readonly Dictionary<string, LearningTheme> FromCode = ToCode.ToDictionary(p => p.Value, p => p.Key, StringComparer.Ordinal);

    /// <summary>Every code, in the vocabulary's order: threshold-understanding, information-sharing, communication,
    /// escalation-timeliness, role-clarity, record-keeping, other.</summary>
    public static IReadOnlyList<string> Codes { get; } = ToCode.OrderBy(p => p.Key).Select(p => p.Value).ToList();

    public static string Code(this LearningTheme theme) => ToCode[theme];

    public static bool TryParse(string? code, out LearningTheme theme) => FromCode.TryGetValue(code ?? "", out theme);
}
