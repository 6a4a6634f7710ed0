using System.Net.Http.Json;
using System.Text.Json;
using EscalationHub.Contracts.V1;
using EscalationHub.IntegrationTests.Infrastructure;
using Google.Protobuf.WellKnownTypes;

namespace EscalationHub.IntegrationTests.Operations;

/// <summary>Dead letters and redrive on the embedded default: the (simulated) social care case system goes down,
/// the adapter's message fails its retries and is parked; once the system is back an operator redrives it.</summary>
public sealed class DeadLetterTests : IAsyncLifetime
{
    private TestHub hub = null!;
    private string outageFile = null!;

    public async Task InitializeAsync()
    {
        var directory = Path.Combine(Path.GetTempPath(), $"eh-hub-{Guid.NewGuid():N}");
        outageFile = Path.Combine(directory, "socialcare-outage");
        hub = await TestHub.StartAsync(brokerUri: null, new Dictionary<string, string> { ["SocialCare:OutageFile"] = outageFile }, directory);
    }

    public async Task DisposeAsync() => await hub.DisposeAsync();

    [Fact]
    public async Task A_message_that_fails_while_the_case_system_is_down_is_dead_lettered_and_redriving_it_delivers_it()
    {
        await File.WriteAllTextAsync(outageFile, "down for maintenance");
        var concern = await hub.Concerns.RaiseConcernAsync(Requests.HospitalReferral());

        var letter = await Eventually.GetAsync(async () =>
            (await hub.Operations.ListDeadLettersAsync(new ListDeadLettersRequest(), TestHub.Operator)).DeadLetters.FirstOrDefault(),
            "the ConcernRaised dead-lettered after its retries", TimeSpan.FromSeconds(45));
        Assert.Equal("ConcernRaised", letter.MessageType);
        Assert.Equal("agency.leics-socialcare", letter.Queue);
        Assert.Equal("agency.leics-socialcare_error", letter.ErrorQueue);
        Assert.Contains("simulated outage", letter.Reason);
        Assert.Equal(concern.Reference, letter.CaseReference);
        var flow = (await hub.Operations.ListFlowAsync(new ListFlowRequest { Filter = new FlowFilter { Status = FlowStatus.DeadLettered } }, TestHub.Operator)).Events;
        Assert.Contains(flow, e => e.MessageId == letter.MessageId && e.Error.Contains("simulated outage"));

        // Stuck: the concern is still waiting for its decision, due by the close of the same (or next) working day.
        var overdue = await hub.Operations.ListOverdueStagesAsync(new ListOverdueStagesRequest { DueWithin = Duration.FromTimeSpan(TimeSpan.FromDays(7)) }, TestHub.Operator);
        Assert.Contains(overdue.Stages, s => s.CaseReference == concern.Reference && s.WaitingOnAgency == "leics-socialcare" && s.Kind == "concern-decision");

        File.Delete(outageFile);
        var response = await hub.Operations.RedriveAsync(new RedriveRequest { Ids = { letter.Id }, Reason = "case system back up" }, TestHub.Operator);
        Assert.True(response.Results.Single().Sent);

        var changes = await Requests.WatchUntilDecidedAsync(hub.Concerns, concern.ConcernId, TimeSpan.FromSeconds(30));
        Assert.Equal(ConcernStatus.Decided, changes.Last().Status);
        await Eventually.TrueAsync(async () => (await hub.Operations.ListFlowAsync(new ListFlowRequest(), TestHub.Operator)).Events
            .Any(e => e.MessageId == letter.MessageId && e.Status == FlowStatus.Acknowledged), "the redriven message acknowledged by the adapter");

        Assert.Empty((await hub.Operations.ListDeadLettersAsync(new ListDeadLettersRequest(), TestHub.Operator)).DeadLetters);
        var recorded = (await hub.Operations.ListDeadLettersAsync(new ListDeadLettersRequest { IncludeRedriven = true }, TestHub.Operator)).DeadLetters.Single();
        Assert.Equal(1, recorded.Redrives);
        Assert.NotNull(recorded.RedrivenAt);
        Assert.Equal(1, hub.Count("Redrives", "Reason = $r", ("$r", "case system back up")));

        var again = await hub.Operations.RedriveAsync(new RedriveRequest { Ids = { letter.Id } }, TestHub.Operator);
        Assert.False(again.Results.Single().Sent);
        Assert.Equal(1, hub.Count("Redrives"));
        Assert.DoesNotContain((await hub.Operations.ListOverdueStagesAsync(new ListOverdueStagesRequest(), TestHub.Operator)).Stages,
            s => s.CaseReference == concern.Reference);
    }

    [Fact]
    public async Task No_name_nhs_number_or_free_text_reaches_the_operator_api_the_dashboard_or_the_report()
    {
        const string given = "Zephyrina", family = "Quillfeather", nhs = "401 023 2137", details = "Xylophonic bruising pattern noted by triage";
        var secrets = new[] { given, family, nhs, nhs.Replace(" ", ""), details, "Xylophonic" };
        RaiseConcernRequest Request() => new()
        {
            IdempotencyKey = Guid.NewGuid().ToString(),
            Child = new Child { NhsNumber = nhs, GivenName = given, FamilyName = family, DateOfBirth = new Date { Year = 2023, Month = 5, Day = 2 } },
            RaisedBy = new Actor { AgencyCode = "uhl-health", Role = "Paediatric registrar" },
            AddressedToAgencyCode = "leics-socialcare",
            Category = ConcernCategory.PhysicalAbuse,
            HarmLevel = HarmLevel.SignificantHarm,
            Details = details,
        };

        var decided = await hub.Concerns.RaiseConcernAsync(Request());
        await Requests.WatchUntilDecidedAsync(hub.Concerns, decided.ConcernId, TimeSpan.FromSeconds(30));
        await File.WriteAllTextAsync(outageFile, "down");
        var stuck = await hub.Concerns.RaiseConcernAsync(Request());
        await Eventually.GetAsync(async () =>
            (await hub.Operations.ListDeadLettersAsync(new ListDeadLettersRequest(), TestHub.Operator)).DeadLetters.FirstOrDefault(),
            "a dead letter carrying the child's details", TimeSpan.FromSeconds(45));

        var responses = new List<string>
        {
            (await hub.Operations.ListFlowAsync(new ListFlowRequest { Limit = 1000 }, TestHub.Operator)).ToString(),
            (await hub.Operations.GetFlowStatisticsAsync(new GetFlowStatisticsRequest(), TestHub.Operator)).ToString(),
            (await hub.Operations.ListDeadLettersAsync(new ListDeadLettersRequest { IncludeRedriven = true }, TestHub.Operator)).ToString(),
            (await hub.Operations.ListAdaptersAsync(new ListAdaptersRequest(), TestHub.Operator)).ToString(),
            (await hub.Operations.ListOverdueStagesAsync(new ListOverdueStagesRequest { DueWithin = Duration.FromTimeSpan(TimeSpan.FromDays(30)) }, TestHub.Operator)).ToString(),
        };
        using (var watch = hub.Operations.WatchFlow(new WatchFlowRequest { Backlog = 500 }, TestHub.Operator, deadline: DateTime.UtcNow.AddSeconds(3)))
        {
            try
            {
                while (await watch.ResponseStream.MoveNext(CancellationToken.None))
                    responses.Add(watch.ResponseStream.Current.ToString());
            }
            catch (Grpc.Core.RpcException ex) when (ex.StatusCode == Grpc.Core.StatusCode.DeadlineExceeded)
            {
            }
        }

        using var http = new HttpClient { BaseAddress = new Uri(hub.DashboardAddress) };
        http.DefaultRequestHeaders.Add("x-operator-token", TestHub.OperatorToken);
        foreach (var path in new[] { "/", "/index.html", "/app.js", "/api.js", "/charts.js", "/report.html", "/report.js", "/style.css",
                     "/api/flow?limit=1000", "/api/stats", "/api/dead-letters?includeRedriven=true", "/api/adapters", "/api/overdue?withinMinutes=43200",
                     "/api/queues", "/api/report", "/api/report.csv", "/metrics" })
            responses.Add(await http.GetStringAsync(path));

        // The scan can fail: the flow, the dead letter and the overdue stage all name these concerns by reference.
        Assert.Contains(responses, r => r.Contains(decided.Reference));
        Assert.Contains(responses, r => r.Contains(stuck.Reference));
        foreach (var response in responses)
        foreach (var secret in secrets)
            Assert.DoesNotContain(secret, response, StringComparison.OrdinalIgnoreCase);
    }
}
