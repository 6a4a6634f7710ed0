using System.Net;
using System.Text;
using System.Text.Json;
using EscalationHub.Adapters.Education;
using EscalationHub.Adapters.Runtime;
using EscalationHub.Adapters.Runtime.AgencySystem;
using EscalationHub.Adapters.Tests.Infrastructure;
using EscalationHub.Contracts.Messages;
using Microsoft.Extensions.DependencyInjection;

namespace EscalationHub.Adapters.Tests.Http;

/// <summary>The education adapter with its simulated school safeguarding system.</summary>
public sealed class EducationAdapterTests : IAsyncLifetime
{
    private AdapterTestHost host = null!;

    private const string Concern = """
        {"referralId":"DSL-2026-0042",
         "child":{"nhsNumber":"401 023 2137","givenName":"Oliver","familyName":"Testchild","dateOfBirth":"2016-05-02"},
         "raisedBy":{"role":"Designated Safeguarding Lead"},
         "category":"neglect","harmLevel":"standard",
         "details":"Arrives hungry most days; uniform unwashed; younger sibling collected late repeatedly."}
        """;

    public async Task InitializeAsync() => host = await AdapterTestHost.StartAsync(
        (builder, section) => builder.AddEducationAdapter(section),
        (routes, settings) => routes.MapEducationAdapter((AdapterSettings)settings));

    public async Task DisposeAsync() => await host.DisposeAsync();

    private Task<HttpResponseMessage> PostAsync(string json) => host.Http.PostAsync("/concerns", new StringContent(json, Encoding.UTF8, "application/json"));

    [Fact]
    public async Task A_school_raises_a_concern_to_the_local_authority_over_HTTP()
    {
        var response = await PostAsync(Concern);
        await AdapterTestHost.WaitUntilAsync(() => !host.Hub.Received.IsEmpty);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var raised = Assert.Single(host.Hub.Of<RaiseConcern>());
        Assert.Equal("DSL-2026-0042", raised.IdempotencyKey);
        Assert.Equal(new ChildDetails("4010232137", "Oliver", "Testchild", new DateOnly(2016, 5, 2)), raised.Child);
        Assert.Equal(new ActorRef("oakfield-school", "Designated Safeguarding Lead"), raised.RaisedBy);
        Assert.Equal("leics-socialcare", raised.AddressedToAgencyCode);
        Assert.Equal((ConcernCategory.Neglect, HarmLevel.Standard), (raised.Category, raised.HarmLevel));
    }

    [Theory]
    [InlineData("\"401 023 2137\"", "\"401 023 2138\"", "child.nhsNumber")]
    [InlineData("\"2016-05-02\"", "\"02/05/2016\"", "child.dateOfBirth")]
    [InlineData("\"2016-05-02\"", "\"2099-01-01\"", "child.dateOfBirth")]
    [InlineData("\"Oliver\"", "\"\"", "child.givenName")]
    [InlineData("\"neglect\"", "\"bullying\"", "category")]
    [InlineData("\"standard\"", "3", "harmLevel")]
    [InlineData("\"DSL-2026-0042\"", "null", "referralId")]
    [InlineData("\"Designated Safeguarding Lead\"", "\"\"", "raisedBy.role")]
    public async Task Bad_input_gets_400_problem_details_naming_the_field_and_nothing_reaches_the_hub(string good, string bad, string field)
    {
        var response = await PostAsync(Concern.Replace(good, bad));
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(body);
        Assert.Equal([field], problem.RootElement.GetProperty("errors").EnumerateObject().Select(p => p.Name));
        await Task.Delay(300);
        Assert.Empty(host.Hub.Received);
    }

    [Fact]
    public async Task The_hubs_answer_and_a_concern_naming_the_school_reach_the_schools_system_and_it_answers()
    {
        var concern = Samples.Concern("oakfield-school", harm: HarmLevel.Standard, category: ConcernCategory.Neglect);

        await host.SendToAgencyAsync("oakfield-school", new ConcernAccepted("DSL-2026-0042", Guid.NewGuid(), "CN-QWE123", "CF-9", DateTimeOffset.UtcNow));
        await host.SendToAgencyAsync("oakfield-school", concern);
        await AdapterTestHost.WaitUntilAsync(() => host.Hub.Of<DecideConcern>().Count > 0);

        var simulator = host.Services.GetRequiredService<AgencyAdapters>().ForAgency("oakfield-school").Simulator;
        await AdapterTestHost.WaitUntilAsync(async () => (await simulator.AllAsync()).Count == 2); // recorded after answering
        var seen = await simulator.AllAsync();
        Assert.Equal(["concern.accepted", "concern.raised"], seen.Select(s => s.Kind));
        Assert.Contains("CN-QWE123", seen[0].Body);
        // The school's system acknowledged and decided at once: one reply carrying both.
        Assert.Empty(host.Hub.Of<AcknowledgeConcern>());
        var decided = Assert.Single(host.Hub.Of<DecideConcern>());
        Assert.Equal((concern.ConcernId, ConcernDecision.EarlyHelp), (decided.ConcernId, decided.Decision));
        Assert.NotNull(decided.AcknowledgedAt);
    }
}
