using System.Globalization;
using System.Text.Json;
using EscalationHub.Contracts.V1;
using EscalationHub.Domain.Calendar;
using EscalationHub.IntegrationTests.Infrastructure;
using EscalationHub.Security;
using Google.Protobuf.WellKnownTypes;

namespace EscalationHub.IntegrationTests;

/// <summary>One embedded hub whose clock stands at 13:03 (Europe/London) on the next working day, its police adapter
/// posting to a real HTTP endpoint in the test: the decision deadline of a concern is the lesser of one working day and
/// the harm level's protective timescale, and every surface shows that one instant.</summary>
public sealed class ConcernDecisionDeadlineTests(ConcernDecisionDeadlineTests.WorkingDayAfternoon fixture)
    : IClassFixture<ConcernDecisionDeadlineTests.WorkingDayAfternoon>
{
    private static readonly WorkingCalendar Calendar = WorkingCalendar.EnglandAndWales;

    public sealed class WorkingDayAfternoon : IAsyncLifetime
    {
        public TestHub Hub { get; private set; } = null!;
        public AgencySystemStub PoliceCaseSystem { get; } = AgencySystemStub.Start(up: true);
        /// <summary>13:03 local on the next working day after today: the hub's clock starts there.</summary>
        public DateTimeOffset Afternoon { get; private set; }

        public async Task InitializeAsync()
        {
            var now = DateTimeOffset.UtcNow;
            var day = Calendar.NextWorkingDayAfter(Calendar.LocalDay(now));
            Afternoon = Calendar.CloseOfWorkingHours(day) - TimeSpan.FromMinutes(3 * 60 + 57);
            var directory = Path.Combine(Path.GetTempPath(), $"eh-hub-{Guid.NewGuid():N}");
            DataAtRest.CreatePrivateDirectory(directory);
            // Written before the hub starts, so its first reading of the clock is already the afternoon.
            File.WriteAllText(Path.Combine(directory, "clock-offset"), (Afternoon - now).ToString("c", CultureInfo.InvariantCulture));
            Hub = await TestHub.StartAsync(brokerUri: null, new Dictionary<string, string>(TestHub.MovableClock)
            {
                ["Adapters:Police:AgencySystem:Url"] = PoliceCaseSystem.Url,
            }, directory);
        }

        public async Task DisposeAsync()
        {
            await Hub.DisposeAsync();
            PoliceCaseSystem.Dispose();
        }
    }

    private readonly TestHub hub = fixture.Hub;

    [Fact]
    public async Task A_concern_of_standard_harm_is_due_for_decision_at_the_close_of_the_next_working_day()
    {
        var concern = await RaiseAsync(HarmLevel.Standard);

        var raisedDay = Calendar.LocalDay(concern.RaisedAt.ToDateTimeOffset());
        Assert.Equal(Calendar.CloseOfWorkingHours(Calendar.NextWorkingDayAfter(raisedDay)), concern.DecisionDueAt.ToDateTimeOffset());
        await AssertReadsAgreeAsync(concern);
    }

    [Fact]
    public async Task A_concern_of_significant_harm_is_due_for_decision_by_the_close_of_the_same_working_day()
    {
        var concern = await RaiseAsync(HarmLevel.SignificantHarm);

        var raisedAt = concern.RaisedAt.ToDateTimeOffset();
        Assert.Equal(13, Calendar.ToLocal(raisedAt).Hour);
        Assert.Equal(Calendar.CloseOfWorkingHours(Calendar.LocalDay(raisedAt)), concern.DecisionDueAt.ToDateTimeOffset());
        await AssertReadsAgreeAsync(concern);
    }

    [Fact]
    public async Task A_concern_of_imminent_harm_is_due_for_decision_immediately()
    {
        var concern = await RaiseAsync(HarmLevel.ImminentHarm);

        Assert.Equal(concern.RaisedAt, concern.DecisionDueAt);
        await AssertReadsAgreeAsync(concern);
    }

    [Fact]
    public async Task The_answer_the_police_case_systems_webhook_and_the_operators_overdue_list_show_the_same_decision_deadline()
    {
        foreach (var harm in new[] { HarmLevel.Standard, HarmLevel.SignificantHarm, HarmLevel.ImminentHarm })
        {
            var concern = await RaiseAsync(harm);

            var webhook = await Eventually.GetAsync(() => Task.FromResult(fixture.PoliceCaseSystem.Requests
                    .Where(r => r.Status == 200 && r.Body.Contains(concern.ConcernId)).Select(r => r.Body).FirstOrDefault()),
                $"the police case system's webhook for the {harm} concern", TimeSpan.FromSeconds(60));
            var overdue = await hub.Operations.ListOverdueStagesAsync(
                new ListOverdueStagesRequest { DueWithin = Duration.FromTimeSpan(TimeSpan.FromDays(14)) }, TestHub.Operator);

            var answered = concern.DecisionDueAt.ToDateTimeOffset();
            Assert.Equal(answered, DecisionDueAtIn(webhook));
            Assert.Equal(answered, overdue.Stages.Single(s => s.CaseReference == concern.Reference).DueAt.ToDateTimeOffset());
        }
    }

    private async Task<Concern> RaiseAsync(HarmLevel harm)
    {
        var request = Requests.HospitalReferral(addressedTo: "leics-police");
        request.HarmLevel = harm;
        return await hub.Concerns.RaiseConcernAsync(request);
    }

    /// <summary>GetConcern and the first status WatchConcern streams carry the deadline the answer gave.</summary>
    private async Task AssertReadsAgreeAsync(Concern concern)
    {
        var read = await hub.Concerns.GetConcernAsync(new GetConcernRequest { ConcernId = concern.ConcernId, AgencyCode = "uhl-health" });
        Assert.Equal(concern.DecisionDueAt, read.DecisionDueAt);

        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var watch = hub.Concerns.WatchConcern(new WatchConcernRequest { ConcernId = concern.ConcernId, AgencyCode = "uhl-health" },
            cancellationToken: cancel.Token);
        Assert.True(await watch.ResponseStream.MoveNext(cancel.Token));
        Assert.Equal(concern.DecisionDueAt, watch.ResponseStream.Current.DecisionDueAt);
    }

    private static DateTimeOffset DecisionDueAtIn(string webhookBody)
    {
        using var json = JsonDocument.Parse(webhookBody);
        return FindProperty(json.RootElement, "decisionDueAt")?.GetDateTimeOffset()
            ?? throw new InvalidOperationException($"no decisionDueAt in the webhook: {webhookBody}");
    }

    private static JsonElement? FindProperty(JsonElement element, string name)
    {
        if (element.ValueKind != JsonValueKind.Object) return null;
        foreach (var property in element.EnumerateObject())
        {
            if (property.Name == name) return property.Value;
            if (FindProperty(property.Value, name) is { } found) return found;
        }
        return null;
    }
}
