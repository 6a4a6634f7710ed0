using EscalationHub.Adapters.Health.Fhir;
using EscalationHub.Adapters.Health.Referrals;
using EscalationHub.Adapters.Tests.Infrastructure;
using EscalationHub.Contracts.Messages;

namespace EscalationHub.Adapters.Tests.Fhir;

public class FhirReferralMapperTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);
    private static readonly HealthSettings Settings = new() { LocalAuthorities = { ["LE"] = "leics-socialcare", ["NG"] = "notts-socialcare" } };

    private static IReadOnlyList<(string Expression, string Diagnostics)> Issues(FhirReferral referral) =>
        referral.Outcome!.Issue.Select(i => (i.Expression.Single() ?? "", i.Diagnostics ?? "")).ToList();

    [Fact]
    public void A_ServiceRequest_with_a_contained_Patient_becomes_a_concern()
    {
        var referral = FhirReferralMapper.FromServiceRequest(Samples.Fhir("servicerequest-contained-patient.json"), "uhl-health", Settings, Now);

        var concern = Assert.IsType<RaiseConcern>(referral.Concern);
        Assert.Equal("fhir:https://fhir.leicestershospitals.nhs.uk/Id/ice-referral|ICEREF-2026-50112", concern.IdempotencyKey);
        Assert.Equal(new ChildDetails("9434765919", "Amelia", "Testchild", new DateOnly(2024, 3, 14)), concern.Child); // the official name
        Assert.Equal("leics-socialcare", concern.AddressedToAgencyCode); // the home address, not the temporary one
        Assert.Equal(ConcernCategory.PhysicalAbuse, concern.Category);
        Assert.Equal(HarmLevel.SignificantHarm, concern.HarmLevel);
        Assert.Equal(new ActorRef("uhl-health", "Consultant paediatrician, Children's Hospital"), concern.RaisedBy);
        Assert.Equal("Bruising to both upper arms inconsistent with the explanation given\nSibling known to CSC. Mother present & cooperative; child remains on the ward.", concern.Details);
    }

    [Fact]
    public void A_message_Bundle_becomes_a_concern_from_its_focus_and_the_Patient_it_references()
    {
        var referral = FhirReferralMapper.FromBundle(Samples.Fhir("bundle-message-referral.json"), "uhl-health", Settings, Now);

        var concern = Assert.IsType<RaiseConcern>(referral.Concern);
        Assert.Equal("fhir:https://fhir.leicestershospitals.nhs.uk/Id/ice-referral|ICEREF-2026-50113", concern.IdempotencyKey);
        Assert.Equal(new ChildDetails("4505577104", "Noah", "Testchild", new DateOnly(2012, 11, 30)), concern.Child);
        Assert.Equal(ConcernCategory.CriminalExploitation, concern.Category);
        Assert.Equal(HarmLevel.Standard, concern.HarmLevel);
        Assert.Equal("Emergency department nurse", concern.RaisedBy.Role);
    }

    [Fact]
    public void Every_problem_in_a_Bundle_is_an_issue_with_its_expression()
    {
        var referral = FhirReferralMapper.FromBundle(Samples.Fhir("bundle-message-bad-child.json"), "uhl-health", Settings, Now);

        Assert.Null(referral.Concern);
        var issues = Issues(referral);
        Assert.Contains(issues, i => i.Expression == "Bundle.entry[2].resource.identifier");
        Assert.Contains(issues, i => i.Expression == "Bundle.entry[2].resource.reasonCode[0].coding[0].code" && i.Diagnostics.Contains("bullying"));
        Assert.Contains(issues, i => i.Expression == "Bundle.entry[1].resource.identifier[0].value" && i.Diagnostics.Contains("modulus 11"));
        Assert.Contains(issues, i => i.Expression == "Bundle.entry[1].resource.name[0].given[0]");
        Assert.Contains(issues, i => i.Expression == "Bundle.entry[1].resource.birthDate" && i.Diagnostics.Contains("full date"));
        Assert.All(referral.Outcome!.Issue, i => Assert.Equal(global::Hl7.Fhir.Model.OperationOutcome.IssueSeverity.Error, i.Severity));
    }

    [Theory]
    [InlineData("{\"resourceType\":\"Bundle\",\"type\":\"message\",\"entry\":[{\"resource\":{\"resourceType\":\"Patient\"}}]}", "Bundle.entry[0].resource")]
    [InlineData("{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entry\":[{\"resource\":{\"resourceType\":\"MessageHeader\",\"eventCoding\":{\"code\":\"x\"},\"source\":{\"endpoint\":\"https://ice.example/fhir\"}}}]}", "Bundle.type")]
    [InlineData("{\"resourceType\":\"Patient\",\"id\":\"child\"}", "resourceType")]
    public void A_Bundle_that_is_not_a_referral_message_is_refused(string json, string expression)
    {
        var referral = FhirReferralMapper.FromBundle(json, "uhl-health", Settings, Now);

        Assert.Null(referral.Concern);
        Assert.Contains(expression, Issues(referral).Select(i => i.Expression));
    }

    [Fact]
    public void A_ServiceRequest_whose_subject_is_not_contained_is_refused_at_subject()
    {
        var json = Samples.Fhir("servicerequest-contained-patient.json").Replace("\"#child\"", "\"Patient/123\"");

        var referral = FhirReferralMapper.FromServiceRequest(json, "uhl-health", Settings, Now);

        Assert.Equal("ServiceRequest.subject", Assert.Single(Issues(referral)).Expression);
    }

    [Theory]
    [InlineData("not json at all")]
    [InlineData("{\"resourceType\":\"ServiceRequest\",\"status\":\"bogus\"}")]
    [InlineData("{\"resourceType\":\"ServiceRequest\",\"unknownElement\":1}")]
    public void Unparseable_FHIR_is_refused_with_structure_issues(string json)
    {
        var referral = FhirReferralMapper.FromServiceRequest(json, "uhl-health", Settings, Now);

        Assert.Null(referral.Concern);
        Assert.NotEmpty(referral.Outcome!.Issue);
        Assert.All(referral.Outcome.Issue, i => Assert.NotEmpty(i.Expression));
    }
}
