using System.Net;
using System.Net.Http.Headers;
using System.Text;
using EscalationHub.Adapters.Health;
using EscalationHub.Adapters.Runtime.AgencySystem;
using EscalationHub.Adapters.Tests.Infrastructure;
using EscalationHub.Contracts.Messages;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Task = System.Threading.Tasks.Task;

namespace EscalationHub.Adapters.Tests.Http;

/// <summary>The health adapter's FHIR interface as an integration engine meets it: what it says it can do, which
/// formats it takes and gives, and how it refuses.</summary>
public sealed class HealthFhirInterfaceTests : IAsyncLifetime
{
    private AdapterTestHost host = null!;

    public async Task InitializeAsync() => host = await AdapterTestHost.StartAsync(
        (builder, section) => builder.AddHealthAdapter(section),
        (routes, settings) => routes.MapHealthAdapter((AdapterSettings)settings),
        new Dictionary<string, string?> { ["Adapter:LocalAuthorities:LE"] = "leics-socialcare" });

    public async Task DisposeAsync() => await host.DisposeAsync();

    private static T Read<T>(string json) where T : Resource
    {
        Assert.True(new FhirJsonDeserializer(new DeserializerSettings()).TryDeserializeResource(json, out var resource, out var issues),
            string.Join("; ", issues.Select(i => i.Message)));
        return Assert.IsType<T>(resource);
    }

    private async Task<OperationOutcome> OutcomeAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/fhir+json", response.Content.Headers.ContentType?.MediaType);
        return Read<OperationOutcome>(await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task GET_fhir_metadata_answers_without_a_credential_with_an_R4_instance_CapabilityStatement_in_JSON()
    {
        using var anonymous = new HttpClient { BaseAddress = host.Http.BaseAddress };

        var response = await anonymous.GetAsync("/fhir/metadata");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/fhir+json", response.Content.Headers.ContentType?.MediaType);
        var capability = Read<CapabilityStatement>(await response.Content.ReadAsStringAsync());
        Assert.Equal(FHIRVersion.N4_0_1, capability.FhirVersion);
        Assert.Equal(CapabilityStatementKind.Instance, capability.Kind);
        Assert.Equal(PublicationStatus.Active, capability.Status);
        Assert.NotNull(capability.Date);
        Assert.NotNull(capability.Implementation?.Url);
        Assert.Contains("json", capability.Format);
        Assert.DoesNotContain(capability.Format, f => f!.Contains("xml", StringComparison.Ordinal));
        var rest = Assert.Single(capability.Rest);
        Assert.Equal(CapabilityStatement.RestfulCapabilityMode.Server, rest.Mode);
        Assert.Contains("Authorization: Bearer", rest.Security!.Description);
        Assert.Contains(rest.Operation, o => o.Name == "process-message" && o.Definition == "http://hl7.org/fhir/OperationDefinition/MessageHeader-process-message");
    }

    [Fact]
    public async Task The_CapabilityStatement_lists_exactly_the_FHIR_interactions_the_adapter_serves()
    {
        var capability = Read<CapabilityStatement>(await (await host.Http.GetAsync("/fhir/metadata")).Content.ReadAsStringAsync());
        var served = host.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Select(e => (Route: e.RoutePattern.RawText ?? "", Methods: e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods ?? []))
            .Where(e => e.Route.StartsWith("/fhir/", StringComparison.Ordinal))
            .SelectMany(e => e.Methods.Select(m => $"{m} {e.Route}"))
            .Order(StringComparer.Ordinal);

        var declared = capability.Rest.Single().Resource
            .SelectMany(r => r.Interaction.Select(i => i.Code switch
            {
                CapabilityStatement.TypeRestfulInteraction.Create => $"POST /fhir/{r.Type}",
                var other => $"{other} /fhir/{r.Type}",
            }))
            .Concat(capability.Rest.Single().Operation.Select(o => $"POST /fhir/${o.Name}"))
            .Append("GET /fhir/metadata")
            .Order(StringComparer.Ordinal);

        Assert.Equal(declared, served);
    }

    [Theory]
    [InlineData("application/fhir+xml")]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    public async Task A_referral_in_a_media_type_other_than_FHIR_JSON_gets_415_with_an_OperationOutcome_and_nothing_reaches_the_hub(string mediaType)
    {
        using var content = new StringContent(Samples.Fhir("servicerequest-contained-patient.json"), Encoding.UTF8, mediaType);

        var response = await host.Http.PostAsync("/fhir/ServiceRequest", content);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        var issue = Assert.Single((await OutcomeAsync(response)).Issue);
        Assert.Equal(OperationOutcome.IssueType.NotSupported, issue.Code);
        Assert.Equal("http.Content-Type", Assert.Single(issue.Location));
        Assert.Contains("application/fhir+json", issue.Diagnostics);
        await Task.Delay(300);
        Assert.Empty(host.Hub.Received);
    }

    [Fact]
    public async Task A_referral_asking_for_a_format_the_adapter_cannot_produce_gets_406_and_nothing_reaches_the_hub()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/fhir/ServiceRequest")
        {
            Content = new StringContent(Samples.Fhir("servicerequest-contained-patient.json"), Encoding.UTF8, "application/fhir+json"),
        };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/fhir+xml"));

        var response = await host.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotAcceptable, response.StatusCode);
        Assert.Equal("http.Accept", Assert.Single(Assert.Single((await OutcomeAsync(response)).Issue).Location));
        await Task.Delay(300);
        Assert.Empty(host.Hub.Received);
    }

    [Theory]
    [InlineData("application/fhir+xml", HttpStatusCode.NotAcceptable)]
    [InlineData("application/fhir+json", HttpStatusCode.OK)]
    [InlineData("application/json", HttpStatusCode.OK)]
    [InlineData("*/*", HttpStatusCode.OK)]
    [InlineData("application/fhir+xml, application/fhir+json;q=0.5", HttpStatusCode.OK)]
    public async Task The_metadata_is_given_in_JSON_to_whoever_accepts_it_and_406_to_whoever_does_not(string accept, HttpStatusCode expected)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/fhir/metadata");
        request.Headers.TryAddWithoutValidation("Accept", accept);

        var response = await host.Http.SendAsync(request);

        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/fhir+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_message_Bundle_posted_to_process_message_is_a_referral_as_on_POST_Bundle()
    {
        using var content = new StringContent(Samples.Fhir("bundle-message-referral.json"), Encoding.UTF8, "application/fhir+json");

        var response = await host.Http.PostAsync("/fhir/$process-message", content);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await AdapterTestHost.WaitUntilAsync(() => !host.Hub.Received.IsEmpty);
        Assert.Equal("fhir:https://fhir.leicestershospitals.nhs.uk/Id/ice-referral|ICEREF-2026-50113", Assert.Single(host.Hub.Of<RaiseConcern>()).IdempotencyKey);
    }

    [Fact]
    public async Task A_ServiceRequest_with_several_problems_gets_400_naming_each_element_and_nothing_reaches_the_hub()
    {
        var json = Samples.Fhir("servicerequest-contained-patient.json")
            .Replace("\"#child\"", "\"Patient/123\"")
            .Replace("\"status\": \"active\"", "\"status\": \"draft\"")
            .Replace("\"code\": \"physical-abuse\"", "\"code\": \"bullying\"");
        using var content = new StringContent(json, Encoding.UTF8, "application/fhir+json");

        var response = await host.Http.PostAsync("/fhir/ServiceRequest", content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var expressions = (await OutcomeAsync(response)).Issue.Select(i => Assert.Single(i.Expression)).Order(StringComparer.Ordinal);
        Assert.Equal(["ServiceRequest.reasonCode[0].coding[0].code", "ServiceRequest.status", "ServiceRequest.subject"], expressions);
        await Task.Delay(300);
        Assert.Empty(host.Hub.Received);
    }
    [Fact]
    public async Task The_CapabilityStatement_and_the_refusals_are_valid_FHIR_R4()
    {
        using var anonymous = new HttpClient { BaseAddress = host.Http.BaseAddress };
        using var xml = new StringContent("<Bundle/>", Encoding.UTF8, "application/fhir+xml");
        using var bad = new StringContent(Samples.Fhir("bundle-message-bad-child.json"), Encoding.UTF8, "application/fhir+json");
        using var empty = new StringContent("{}", Encoding.UTF8, "application/fhir+json");

        var bodies = new Dictionary<string, string>
        {
            ["metadata"] = await anonymous.GetStringAsync("/fhir/metadata"),
            ["415"] = await (await host.Http.PostAsync("/fhir/Bundle", xml)).Content.ReadAsStringAsync(),
            ["400"] = await (await host.Http.PostAsync("/fhir/Bundle", bad)).Content.ReadAsStringAsync(),
            ["401"] = await (await anonymous.PostAsync("/fhir/Bundle", empty)).Content.ReadAsStringAsync(),
        };

        Assert.All(bodies, b => Assert.True(FhirR4.Errors(b.Value).Count == 0, $"{b.Key}: {string.Join("\n", FhirR4.Errors(b.Value))}"));
    }
}
