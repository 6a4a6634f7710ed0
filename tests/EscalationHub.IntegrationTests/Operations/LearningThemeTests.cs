using System.Net.Http.Json;
using System.Text.Json;
using EscalationHub.Contracts.V1;
using EscalationHub.IntegrationTests.Infrastructure;
using Grpc.Core;
using static EscalationHub.IntegrationTests.Infrastructure.Disagreements;

namespace EscalationHub.IntegrationTests.Operations;

/// <summary>Learning is captured under coded themes that the partnership's report counts; its free text stays with the
/// parties and never reaches the report.</summary>
public sealed class LearningThemeTests : IAsyncLifetime
{
    private const string FreeText = "Photographs of the bruising should travel with the referral (learning-free-text-marker).";
    private TestHub hub = null!;
    private readonly HttpClient http = new();

    public async Task InitializeAsync()
    {
        hub = await TestHub.StartAsync(brokerUri: null);
        http.BaseAddress = new Uri(hub.DashboardAddress);
        http.DefaultRequestHeaders.Add("x-operator-token", TestHub.OperatorToken);
    }

    public async Task DisposeAsync()
    {
        http.Dispose();
        await hub.DisposeAsync();
    }

    private async Task<string> OpenAsync() => (await hub.Escalations.OpenDisagreementAsync(Open(await ChildFileAsync(hub)))).DisagreementId;

    private Task<Disagreement> LearnAsync(string id, string agency, params LearningTheme[] themes) =>
        hub.Escalations.RecordLearningAsync(new RecordLearningRequest { DisagreementId = id, By = As(agency), Learning = FreeText, Themes = { themes } }).ResponseAsync;

    [Fact]
    public async Task The_partnership_report_counts_learning_by_theme_as_json_and_csv_without_its_free_text()
    {
        var first = await OpenAsync();
        var second = await OpenAsync();
        await OpenAsync(); // no learning
        var learnt = await LearnAsync(first, "uhl-health", LearningTheme.ThresholdUnderstanding, LearningTheme.InformationSharing, LearningTheme.ThresholdUnderstanding);
        await LearnAsync(first, "leics-socialcare", LearningTheme.InformationSharing);
        await LearnAsync(second, "leics-socialcare", LearningTheme.ThresholdUnderstanding);

        var json = await http.GetStringAsync("/api/report");
        var groups = JsonDocument.Parse(json).RootElement.GetProperty("groups").EnumerateArray()
            .Where(g => g.GetProperty("dimension").GetString() == "learning theme")
            .ToDictionary(g => g.GetProperty("value").GetString()!, g => g.GetProperty("cases").GetInt32());
        var csv = await http.GetStringAsync("/api/report.csv");

        Assert.Equal([LearningTheme.ThresholdUnderstanding, LearningTheme.InformationSharing], learnt.LearningThemes);
        Assert.Equal(2, groups["threshold-understanding"]); // each case once per theme, however often the theme was given
        Assert.Equal(1, groups["information-sharing"]);
        Assert.True(groups["(none recorded)"] >= 1);
        Assert.Contains(",learning theme,threshold-understanding,2,", csv);
        Assert.Contains(",learning theme,information-sharing,1,", csv);
        Assert.DoesNotContain("learning-free-text-marker", json + csv);
    }

    [Theory]
    [InlineData(new LearningTheme[0])]
    [InlineData(new[] { LearningTheme.Unspecified })]
    [InlineData(new[] { LearningTheme.Communication, (LearningTheme)42 })]
    public async Task Learning_without_a_theme_of_the_vocabulary_is_refused_naming_the_field_and_stores_nothing(LearningTheme[] themes)
    {
        var id = await OpenAsync();
        var before = await hub.Escalations.GetDisagreementAsync(new GetDisagreementRequest { DisagreementId = id, AgencyCode = "uhl-health" });

        var refused = await Assert.ThrowsAsync<RpcException>(() => LearnAsync(id, "uhl-health", themes));

        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
        Assert.StartsWith("themes: ", refused.Status.Detail);
        var after = await hub.Escalations.GetDisagreementAsync(new GetDisagreementRequest { DisagreementId = id, AgencyCode = "uhl-health" });
        Assert.Equal(before.Version, after.Version);
        Assert.Empty(after.Learning);
        Assert.Equal(0, hub.Count("DisagreementEvents", "Type = 'learning-captured' AND DisagreementId = $id", ("$id", id)));
    }
}
