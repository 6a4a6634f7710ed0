using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using EscalationHub.IntegrationTests.Infrastructure;
using EscalationHub.Security;

namespace EscalationHub.IntegrationTests.Security;

/// <summary>Every endpoint through which an agency system acts as its agency (webhook answers, disagreement
/// commands, the school's concerns, the hospital's FHIR) wants that system's credential (Authorization: Bearer) and
/// its declared content type, and is served only on the adapter's own listener, never on the hub's gRPC or dashboard
/// ports. Against the embedded default (one hub process, the four adapters in it).</summary>
public sealed class AgencyEndpointAuthenticationTests(EmbeddedHub fixture) : IClassFixture<EmbeddedHub>
{
    private readonly TestHub hub = fixture.Hub;

    [Fact]
    public async Task The_issues_replay_a_police_disagreement_posted_to_the_hubs_grpc_port_without_a_certificate_changes_nothing()
    {
        var concernId = await ConcernSentToThePoliceAsync();
        using var http = new HttpClient(HubChannels.Handler(null, hub.Callers.PartnershipCa))
        {
            BaseAddress = new Uri(hub.Address), DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };

        var response = await http.PostAsync("/adapters/police/disagreements", Json(OpenDisagreement("REPLAY-GRPC-PORT", concernId)));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        await hub.SettledCountsAsync();
        Assert.Equal(0, hub.Count("Disagreements", "IdempotencyKey = 'REPLAY-GRPC-PORT'"));
    }

    [Fact]
    public async Task The_issues_replay_a_text_plain_concern_posted_to_the_dashboard_port_as_a_web_page_would_changes_nothing()
    {
        using var http = new HttpClient { BaseAddress = new Uri(hub.DashboardAddress) };

        var response = await http.PostAsync("/adapters/education/concerns", new StringContent(SchoolConcern("CSRF-0001"), Encoding.UTF8, "text/plain"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        await hub.SettledCountsAsync();
        Assert.Equal(0, hub.Count("Concerns", "IdempotencyKey = 'CSRF-0001'"));
    }

    [Fact]
    public async Task A_police_disagreement_on_the_police_adapters_listener_needs_its_credential_and_JSON_and_then_reaches_the_hub()
    {
        var concernId = await ConcernSentToThePoliceAsync();
        using var anonymous = new HttpClient { BaseAddress = hub.AdapterAddress("Police") };
        using var wrong = new HttpClient { BaseAddress = hub.AdapterAddress("Police") };
        wrong.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", hub.AgencySystemCredential("SocialCare")); // another adapter's
        using var police = hub.AgencySystem("Police");

        var none = await anonymous.PostAsync("/disagreements", Json(OpenDisagreement("POLICE-NONE", concernId)));
        var other = await wrong.PostAsync("/disagreements", Json(OpenDisagreement("POLICE-WRONG", concernId)));
        var text = await police.PostAsync("/disagreements", new StringContent(OpenDisagreement("POLICE-TEXT", concernId), Encoding.UTF8, "text/plain"));
        var accepted = await police.PostAsync("/disagreements", Json(OpenDisagreement("POLICE-OK", concernId)));

        await AssertUnauthorizedAsync(none);
        await AssertUnauthorizedAsync(other);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, text.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        await Eventually.TrueAsync(async () => await Task.FromResult(hub.Count("Disagreements", "IdempotencyKey = 'POLICE-OK'") == 1), "the disagreement reaches the hub");
        await hub.SettledCountsAsync();
        Assert.Equal(0, hub.Count("Disagreements", "IdempotencyKey IN ('POLICE-NONE', 'POLICE-WRONG', 'POLICE-TEXT')"));
        Assert.Equal("leics-police", Scalar("SELECT RaisedByAgency FROM Disagreements WHERE IdempotencyKey = 'POLICE-OK'"));
    }

    [Fact]
    public async Task A_school_concern_on_the_education_adapters_listener_needs_its_credential_and_JSON_and_then_reaches_the_hub()
    {
        using var anonymous = new HttpClient { BaseAddress = hub.AdapterAddress("Education") };
        using var wrong = new HttpClient { BaseAddress = hub.AdapterAddress("Education") };
        wrong.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "not-the-credential-" + new string('x', 40));
        using var school = hub.AgencySystem("Education");

        var none = await anonymous.PostAsync("/concerns", Json(SchoolConcern("DSL-NONE")));
        var other = await wrong.PostAsync("/concerns", Json(SchoolConcern("DSL-WRONG")));
        var text = await school.PostAsync("/concerns", new StringContent(SchoolConcern("DSL-TEXT"), Encoding.UTF8, "text/plain"));
        var form = await school.PostAsync("/concerns", new StringContent(SchoolConcern("DSL-FORM"), Encoding.UTF8, "application/x-www-form-urlencoded"));
        var latin1 = await school.PostAsync("/concerns", new StringContent(SchoolConcern("DSL-LATIN1"), Encoding.Latin1, "application/json"));
        var accepted = await school.PostAsync("/concerns", new StringContent(SchoolConcern("DSL-OK"), Encoding.UTF8, "application/json"));

        await AssertUnauthorizedAsync(none);
        await AssertUnauthorizedAsync(other);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, text.StatusCode);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, form.StatusCode);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, latin1.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        await Eventually.TrueAsync(async () => await Task.FromResult(hub.Count("Concerns", "IdempotencyKey = 'DSL-OK'") == 1), "the concern reaches the hub");
        await hub.SettledCountsAsync();
        Assert.Equal(0, hub.Count("Concerns", "IdempotencyKey IN ('DSL-NONE', 'DSL-WRONG', 'DSL-TEXT', 'DSL-FORM', 'DSL-LATIN1')"));
        Assert.Equal("oakfield-school", Scalar("SELECT RaisedByAgency FROM Concerns WHERE IdempotencyKey = 'DSL-OK'"));
    }

    [Fact]
    public async Task A_FHIR_referral_on_the_health_adapters_listener_needs_its_credential_and_FHIR_JSON_and_is_refused_with_an_OperationOutcome()
    {
        const string key = "fhir:https://fhir.leicestershospitals.nhs.uk/Id/ice-referral|ICEREF-2026-50112";
        var body = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Samples", "fhir", "servicerequest-contained-patient.json"));
        using var anonymous = new HttpClient { BaseAddress = hub.AdapterAddress("Health") };
        using var epr = hub.AgencySystem("Health");

        var none = await anonymous.PostAsync("/fhir/ServiceRequest", new StringContent(body, Encoding.UTF8, "application/fhir+json"));
        var text = await epr.PostAsync("/fhir/ServiceRequest", new StringContent(body, Encoding.UTF8, "text/plain"));
        var task = await anonymous.PostAsync("/fhir/Task", new StringContent("{\"resourceType\":\"Task\"}", Encoding.UTF8, "application/fhir+json"));

        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal("Bearer", none.Headers.WwwAuthenticate.Single().Scheme);
        await AssertOperationOutcomeAsync(none, "login");
        Assert.Equal(HttpStatusCode.Unauthorized, task.StatusCode);
        await AssertOperationOutcomeAsync(task, "login");
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, text.StatusCode);
        await AssertOperationOutcomeAsync(text, "not-supported");
        await hub.SettledCountsAsync();
        Assert.Equal(0, hub.Count("Concerns", "IdempotencyKey = $key", ("$key", key)));

        var accepted = await epr.PostAsync("/fhir/ServiceRequest", new StringContent(body, Encoding.UTF8, "application/fhir+json"));
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        await Eventually.TrueAsync(async () => await Task.FromResult(hub.Count("Concerns", "IdempotencyKey = $key", ("$key", key)) == 1), "the referral reaches the hub");
    }

    [Fact]
    public async Task The_credential_file_is_readable_by_the_service_user_only()
    {
        var file = Path.Combine(hub.Directory, "agency-system-leics-police.credential");

        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        var secret = hub.AgencySystemCredential("Police");
        Assert.Equal(43, secret.Length); // 32 random bytes, base64url without padding
        Assert.DoesNotContain(secret, hub.Output); // its path is logged, never the secret
        Assert.Contains(file, hub.Output);
        await Task.CompletedTask;
    }

    /// <summary>A concern the hospital raised for the police, once the police adapter knows it (so the police may open
    /// a disagreement about it).</summary>
    private async Task<string> ConcernSentToThePoliceAsync()
    {
        var concern = await hub.As("uhl-health").Concerns.RaiseConcernAsync(Requests.HospitalReferral(addressedTo: "leics-police"));
        await Eventually.TrueAsync(async () => await Task.FromResult(PoliceKnows(concern.ConcernId)), "the police adapter is told of the concern");
        return concern.ConcernId;
    }

    private bool PoliceKnows(string concernId)
    {
        var path = Path.Combine(hub.Directory, "adapter-leics-police.db");
        if (!File.Exists(path)) return false;
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM known_concerns WHERE concern_id = $id";
        command.Parameters.AddWithValue("$id", Guid.Parse(concernId).ToString());
        try { return (long)command.ExecuteScalar()! > 0; }
        catch (Microsoft.Data.Sqlite.SqliteException) { return false; }
    }

    private string? Scalar(string sql)
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={hub.DatabasePath};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar()?.ToString();
    }

    internal static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    internal static string OpenDisagreement(string commandId, string concernId) => $$"""
        {"kind":"disagreement.open","commandId":"{{commandId}}","by":{"role":"Detective Sergeant, CAIT"},"concernId":"{{concernId}}",
         "area":"referral-below-threshold","harmLevel":"significant-harm","summary":"We disagree with the decision."}
        """;

    internal static string SchoolConcern(string referralId) => $$"""
        {"referralId":"{{referralId}}","child":{"givenName":"Noah","familyName":"Schoolchild","dateOfBirth":"2016-05-02"},
         "raisedBy":{"role":"Designated Safeguarding Lead"},"category":"neglect","harmLevel":"standard",
         "details":"Often hungry at school; parent rarely answers calls."}
        """;

    internal static async Task AssertUnauthorizedAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(401, problem.RootElement.GetProperty("status").GetInt32());
    }

    private static async Task AssertOperationOutcomeAsync(HttpResponseMessage response, string code)
    {
        Assert.Equal("application/fhir+json", response.Content.Headers.ContentType?.MediaType);
        using var outcome = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("OperationOutcome", outcome.RootElement.GetProperty("resourceType").GetString());
        Assert.Equal(code, outcome.RootElement.GetProperty("issue")[0].GetProperty("code").GetString());
    }
}

/// <summary>The same for a standalone adapter process on the broker: the school's adapter on its own port.</summary>
[Collection(BrokerCollection.Name)]
public sealed class StandaloneAgencyEndpointAuthenticationTests(RabbitMqNode broker) : IAsyncLifetime
{
    private TestHub hub = null!;
    private TestAdapter school = null!;

    public async Task InitializeAsync()
    {
        var amqp = await broker.NewVirtualHostAsync();
        hub = await TestHub.StartAsync(amqp);
        school = await TestAdapter.StartAsync(TestAdapter.Kind.Education, amqp, "oakfield-school");
    }

    public async Task DisposeAsync()
    {
        await school.DisposeAsync();
        await hub.DisposeAsync();
    }

    [Fact]
    public async Task A_school_concern_to_the_standalone_adapter_needs_its_credential_and_JSON_and_then_reaches_the_hub()
    {
        using var anonymous = new HttpClient { BaseAddress = school.HttpAddress };
        using var wrong = new HttpClient { BaseAddress = school.HttpAddress };
        wrong.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", school.AgencySystemCredential[..^1] + (school.AgencySystemCredential[^1] == 'A' ? "B" : "A"));
        using var system = school.AgencySystem();

        var none = await anonymous.PostAsync("/concerns", AgencyEndpointAuthenticationTests.Json(AgencyEndpointAuthenticationTests.SchoolConcern("SA-NONE")));
        var other = await wrong.PostAsync("/concerns", AgencyEndpointAuthenticationTests.Json(AgencyEndpointAuthenticationTests.SchoolConcern("SA-WRONG")));
        var text = await system.PostAsync("/concerns", new StringContent(AgencyEndpointAuthenticationTests.SchoolConcern("SA-TEXT"), Encoding.UTF8, "text/plain"));
        var accepted = await system.PostAsync("/concerns", AgencyEndpointAuthenticationTests.Json(AgencyEndpointAuthenticationTests.SchoolConcern("SA-OK")));

        await AgencyEndpointAuthenticationTests.AssertUnauthorizedAsync(none);
        await AgencyEndpointAuthenticationTests.AssertUnauthorizedAsync(other);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, text.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        await Eventually.TrueAsync(async () => await Task.FromResult(hub.Count("Concerns", "IdempotencyKey = 'SA-OK'") == 1), "the concern reaches the hub");
        await hub.SettledCountsAsync();
        Assert.Equal(0, hub.Count("Concerns", "IdempotencyKey IN ('SA-NONE', 'SA-WRONG', 'SA-TEXT')"));
        Assert.Contains("refused", school.Output); // each refusal is logged (with the caller's address)
        Assert.DoesNotContain(school.AgencySystemCredential, school.Output);
    }
}
