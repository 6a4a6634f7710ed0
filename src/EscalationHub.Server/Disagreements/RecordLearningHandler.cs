using EscalationHub.Domain.Disagreements;
using EscalationHub.Server.Grpc;
using M = EscalationHub.Contracts.Messages;

namespace EscalationHub.Server.Disagreements;

/// <summary>Learning for the partnership, under coded themes, sent on to the profile's learning recipient.</summary>
public sealed class RecordLearningHandler(DisagreementStore store)
{
    public Task<Disagreement> HandleAsync(M.RecordLearning c, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        DisagreementValidation.Actor(errors, c.DisagreementId, c.By);
        errors.RequiredText("learning", c.Learning, DisagreementValidation.MaxText);
        var themes = Themes(errors, c.Themes);
        errors.ThrowIfInvalid();
        return store.ChangeAsync(c.DisagreementId, c.By, (d, now) => d.CaptureLearning(c.By.AgencyCode, c.Learning.Trim(), themes, now), cancellationToken);
    }

    private static List<LearningTheme> Themes(FieldErrors errors, IReadOnlyList<string>? codes)
    {
        if (codes is null || codes.Count == 0)
        {
            errors.Add("themes", $"at least one theme is required: {string.Join(", ", LearningThemes.Codes)}");
            return [];
        }
        var themes = new List<LearningTheme>();
        if (!errors.WithinCount("themes", codes)) return themes;
        foreach (var code in codes)
            if (LearningThemes.TryParse(code, out var theme)) themes.Add(theme);
            else errors.Add("themes", $"'{code}' is not a learning theme: {string.Join(", ", LearningThemes.Codes)}");
        return themes;
    }
}
