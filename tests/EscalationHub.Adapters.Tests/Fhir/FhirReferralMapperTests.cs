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

    private static string WithReason(string coding) => Samples.Fhir("servicerequest-contained-patient.json")
        .Replace("{ \"system\": \"https://escalationhub.example/CodeSystem/concern-category\", \"code\": \"physical-abuse\" }", coding);

    [Theory]
    [InlineData("397940009", ConcernCategory.Other)]
    [InlineData("371775004", ConcernCategory.EmotionalAbuse)]
    [InlineData("919461000000108", ConcernCategory.SexualExploitation)]
    [InlineData("1188261000000103", ConcernCategory.CriminalExploitation)]
    public void A_reason_coded_only_in_SNOMED_CT_takes_its_category_from_the_documented_table(string code, ConcernCategory category)
    {
        var json = WithReason($"{{ \"system\": \"http://snomed.info/sct\", \"code\": \"{code}\" }}");

        var referral = FhirReferralMapper.FromServiceRequest(json, "uhl-health", Settings, Now);

        Assert.Equal(category, Assert.IsType<RaiseConcern>(referral.Concern).Category);
    }

    [Fact]
    public void A_reason_coded_only_in_SNOMED_CT_with_a_concept_not_in_the_table_is_refused_at_that_coding_never_filed_as_Other()
    {
        var json = WithReason("{ \"system\": \"http://snomed.info/sct\", \"code\": \"225337009\", \"display\": \"Suicide risk assessment\" }");

        var referral = FhirReferralMapper.FromServiceRequest(json, "uhl-health", Settings, Now);

        Assert.Null(referral.Concern);
        var issue = Assert.Single(referral.Outcome!.Issue);
        Assert.Equal("ServiceRequest.reasonCode[0].coding[0].code", issue.Expression.Single());
        Assert.Equal(global::Hl7.Fhir.Model.OperationOutcome.IssueType.CodeInvalid, issue.Code);
        Assert.Contains("225337009", issue.Diagnostics);
    }

    [Fact]
    public void A_reason_coded_in_the_hubs_own_system_wins_over_a_SNOMED_CT_coding_beside_it()
    {
        var json = WithReason("{ \"system\": \"http://snomed.info/sct\", \"code\": \"225337009\" }, " +
                              "{ \"system\": \"https://escalationhub.example/CodeSystem/concern-category\", \"code\": \"neglect\" }");

        var referral = FhirReferralMapper.FromServiceRequest(json, "uhl-health", Settings, Now);

        Assert.Equal(ConcernCategory.Neglect, Assert.IsType<RaiseConcern>(referral.Concern).Category);
    }

    [Fact]
    public void Every_problem_of_a_ServiceRequest_is_reported_each_with_the_path_of_its_element()
    {
        var json = WithReason("{ \"system\": \"http://snomed.info/sct\", \"code\": \"12345\" }")
            .Replace("\"9434765919\"", "\"9434765918\"")
            .Replace("\"2024-03-14\"", "\"2024-03\"")
            .Replace("\"status\": \"active\"", "\"status\": \"completed\"");

        var referral = FhirReferralMapper.FromServiceRequest(json, "uhl-health", Settings, Now);

        Assert.Null(referral.Concern);
        Assert.Equal(
            ["ServiceRequest.contained[0].birthDate", "ServiceRequest.contained[0].identifier[0].value", "ServiceRequest.reasonCode[0].coding[0].code", "ServiceRequest.status"],
            Issues(referral).Select(i => i.Expression).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_message_Bundle_without_its_MessageHeader_still_has_its_referral_checked_so_every_problem_is_reported()
    {
        var json = """
            {"resourceType":"Bundle","type":"message","entry":[
              {"fullUrl":"urn:uuid:3f1c2a56-9d7e-4b1a-8a43-0c6f1e2d7b10","resource":{"resourceType":"ServiceRequest","status":"active","intent":"order",
                "subject":{"reference":"urn:uuid:8b0e6c1d-2f4a-4e55-9c3b-71d2a6f0e4c9"}}}]}
            """;

        var referral = FhirReferralMapper.FromBundle(json, "uhl-health", Settings, Now);

        var expressions = Issues(referral).Select(i => i.Expression).ToList();
        Assert.Contains("Bundle.entry[0].resource", expressions); // not a MessageHeader
        Assert.Contains("Bundle.entry[0].resource.identifier", expressions);
        Assert.Contains("Bundle.entry[0].resource.subject.reference", expressions);
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
