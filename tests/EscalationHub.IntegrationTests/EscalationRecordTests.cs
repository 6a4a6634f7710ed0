using System.Security.Cryptography;
using System.Text;
using EscalationHub.Contracts.V1;
using EscalationHub.IntegrationTests.Infrastructure;
using Grpc.Core;

namespace EscalationHub.IntegrationTests;

/// <summary>Leicester UHL guideline 11, Appendix 1 "Safeguarding Children Case Escalation", over gRPC with the hub's
/// real certificates: one embedded hub with a second health agency (Leicester's procedure is between health
/// practitioners), a disagreement taken to stage 3 and resolved.</summary>
public sealed class EscalationRecordTests(EscalationRecordTests.LeicesterHub fixture) : IClassFixture<EscalationRecordTests.LeicesterHub>
{
    public sealed class LeicesterHub : IAsyncLifetime
    {
        public TestHub Hub { get; private set; } = null!;
        public string ChildFileId { get; private set; } = "";
        public Disagreement Resolved { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Hub = await TestHub.StartAsync(brokerUri: null, new Dictionary<string, string>
            {
                ["Agencies:4:Code"] = "lpt-health",
                ["Agencies:4:Name"] = "Leicestershire Partnership NHS Trust",
                ["Agencies:4:Type"] = "Health",
            });
            ChildFileId = await Disagreements.ChildFileAsync(Hub);
            var escalations = Hub.Escalations;
            var d = await escalations.OpenDisagreementAsync(Disagreements.Open(ChildFileId, profile: "leicester-uhl-11", raiser: "uhl-health",
                responder: "lpt-health", area: AreaOfDisagreement.MedicalOpinionAfterExamination));
            var talked = await escalations.RecordDiscussionAsync(new RecordDiscussionRequest
            {
                DisagreementId = d.DisagreementId, By = Disagreements.As("uhl-health", "Staff nurse, Children's ED"),
                HeldAt = d.OpenedAt, Summary = "Discussed the bruising; no agreement on discharge.",
            });
            await escalations.ApproveRecordAsync(new ApproveRecordRequest
            {
                DisagreementId = d.DisagreementId, By = Disagreements.As("lpt-health", "Health visitor"), RecordId = talked.Records.Single().RecordId,
            });
            await escalations.EscalateDisagreementAsync(new EscalateDisagreementRequest
            {
                DisagreementId = d.DisagreementId, By = Disagreements.As("uhl-health", "Ward sister, Children's ED"), Reason = "No agreement on a safe discharge",
            });
            var atStage3 = await escalations.EscalateDisagreementAsync(new EscalateDisagreementRequest
            {
                DisagreementId = d.DisagreementId, By = Disagreements.As("lpt-health", "Named Nurse for Safeguarding"), Reason = "Second opinion disputed",
            });
            var met = await escalations.RecordDiscussionAsync(new RecordDiscussionRequest
            {
                DisagreementId = d.DisagreementId, By = Disagreements.As("uhl-health", "Named Doctor for Safeguarding"), IsMeeting = true,
                HeldAt = atStage3.CurrentStage.EnteredAt, Summary = "Resolutions meeting held.",
            });
            await escalations.ApproveRecordAsync(new ApproveRecordRequest
            {
                DisagreementId = d.DisagreementId, By = Disagreements.As("uhl-health", "Named Doctor for Safeguarding"), RecordId = met.Records.Last().RecordId,
            });
            Resolved = await escalations.ResolveDisagreementAsync(new ResolveDisagreementRequest
            {
                DisagreementId = d.DisagreementId, By = Disagreements.As("uhl-health", "Named Doctor for Safeguarding"),
                Summary = "Child to stay on the ward; strategy discussion requested",
            });
        }

        public async Task DisposeAsync() => await Hub.DisposeAsync();
    }

    private readonly TestHub hub = fixture.Hub;

    private Task<EscalationRecord> RecordAsync(string agency) =>
        hub.Escalations.GetEscalationRecordAsync(new GetEscalationRecordRequest { DisagreementId = fixture.Resolved.DisagreementId, AgencyCode = agency }).ResponseAsync;

    [Fact]
    public async Task A_Leicester_escalation_gives_the_Safeguarding_Children_Case_Escalation_record_with_patient_levels_who_escalated_to_whom_reason_outcome_and_signature()
    {
        var record = await RecordAsync("lpt-health");

        Assert.Equal("Safeguarding Children Case Escalation", record.Title);
        var patient = Assert.Single(record.Patients);
        Assert.Equal(("Amelia", "Testchild", 2024), (patient.GivenName, patient.FamilyName, patient.DateOfBirth.Year));
        Assert.NotEmpty(patient.NhsNumber);
        Assert.Equal([1, 2, 3, 4, 5], record.Levels.Select(l => l.Level));
        Assert.Equal([true, true, true, false, false], record.Levels.Select(l => l.Reached));
        Assert.Contains("Service Manager", record.Levels[4].EscalatedTo);
        Assert.Equal(("uhl-health", "Named Nurse for Safeguarding"), (record.Levels[0].EscalatedBy.AgencyCode, record.Levels[0].EscalatedBy.Role));
        Assert.Equal(("uhl-health", "Ward sister, Children's ED", "No agreement on a safe discharge"),
            (record.Levels[1].EscalatedBy.AgencyCode, record.Levels[1].EscalatedBy.Role, record.Levels[1].Reason));
        Assert.Equal(("lpt-health", "Named Nurse for Safeguarding", "Second opinion disputed"),
            (record.Levels[2].EscalatedBy.AgencyCode, record.Levels[2].EscalatedBy.Role, record.Levels[2].Reason));
        Assert.True(record.Levels[1].EscalatedAt <= record.Levels[2].EscalatedAt);
        Assert.Equal(fixture.Resolved.Summary, record.Reason);
        Assert.StartsWith("Resolved at stage 3: Child to stay on the ward", record.Outcome);
        Assert.Equal([("lpt-health", "Health visitor", 1), ("uhl-health", "Named Doctor for Safeguarding", 3)],
            record.Signatures.Select(s => (s.ApprovedBy.AgencyCode, s.ApprovedBy.Role, s.Stage)));
    }

    [Fact]
    public async Task The_escalation_record_prints_as_one_page_with_what_the_template_asks_for()
    {
        var record = await RecordAsync("uhl-health");
        var html = Encoding.UTF8.GetString(record.Html.Span);

        Assert.StartsWith("<!DOCTYPE html>", html);
        foreach (var expected in new[]
                 {
                     "<h1>Safeguarding Children Case Escalation</h1>", "Amelia Testchild", "14/03/2024", record.Patients[0].NhsNumber,
                     "Ward sister, Children&#39;s ED, uhl-health", "No agreement on a safe discharge", "Named Nurse for Safeguarding, lpt-health",
                     "Service Manager, children&#39;s social care", "not reached", "Resolved at stage 3", "Health visitor, lpt-health",
                     "@page { size: A4;", "@media print",
                 })
            Assert.Contains(expected, html);
        Assert.DoesNotContain("<script", html);
        Assert.DoesNotContain("http", html); // self-contained: nothing to fetch when printed
    }

    [Fact]
    public async Task The_escalation_record_is_bound_into_the_ledger_by_its_hash_once_per_version()
    {
        var first = await RecordAsync("uhl-health");
        var again = await RecordAsync("lpt-health");

        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(first.Html.Span)), first.Sha256);
        Assert.Equal((first.Sha256, first.LedgerIndex), (again.Sha256, again.LedgerIndex));
        Assert.Equal(1, hub.Count("LedgerEntries", "Sequence = $index AND EntryType = 'disagreement.escalation-record' AND ChildFileId = $file " +
            "AND CaseId = $case AND instr(EntryBytes, CAST($sha AS BLOB)) > 0",
            ("$index", first.LedgerIndex), ("$file", fixture.ChildFileId), ("$case", fixture.Resolved.DisagreementId), ("$sha", first.Sha256)));
        // Reading bound nothing new: every version (each escalation, approval and the resolution) was bound as it happened.
        var bound = hub.Count("LedgerEntries", "EntryType = 'disagreement.escalation-record' AND CaseId = $case", ("$case", fixture.Resolved.DisagreementId));
        await RecordAsync("uhl-health");
        Assert.Equal(bound, hub.Count("LedgerEntries", "EntryType = 'disagreement.escalation-record' AND CaseId = $case", ("$case", fixture.Resolved.DisagreementId)));
    }

    [Fact]
    public async Task A_Leicester_escalation_is_bound_into_the_childs_file_when_it_happens_before_anyone_asks_for_the_record()
    {
        var d = await hub.Escalations.OpenDisagreementAsync(Disagreements.Open(fixture.ChildFileId, profile: "leicester-uhl-11", raiser: "uhl-health",
            responder: "lpt-health", area: AreaOfDisagreement.MedicalOpinionAfterExamination));
        await hub.Escalations.EscalateDisagreementAsync(new EscalateDisagreementRequest
        {
            DisagreementId = d.DisagreementId, By = Disagreements.As("uhl-health", "Ward sister, Children's ED"), Reason = "Discharge plan disputed",
        });

        // No one has asked: the escalated version (the disagreement's last event) is bound on its own.
        var version = hub.Count("DisagreementEvents", "DisagreementId = $id", ("$id", d.DisagreementId));
        long Bound(string? contains = null) => hub.Count("LedgerEntries",
            "EntryType = 'disagreement.escalation-record' AND CaseId = $case AND instr(EntryBytes, CAST($text AS BLOB)) > 0",
            ("$case", d.DisagreementId), ("$text", contains ?? "htmlSha256"));
        await Eventually.TrueAsync(() => Task.FromResult(Bound($"\"version\":{version}") == 1), "the escalated version bound without a request");
        var boundBeforeReading = Bound();

        var record = await hub.Escalations.GetEscalationRecordAsync(new GetEscalationRecordRequest { DisagreementId = d.DisagreementId, AgencyCode = "lpt-health" });

        Assert.True(record.Levels[1].Reached);
        Assert.Equal(1, Bound(record.Sha256)); // the page read is the version already bound
        Assert.Equal(boundBeforeReading, Bound());
    }

    [Fact]
    public async Task An_agency_not_party_is_told_the_escalation_record_does_not_exist_and_a_partys_read_is_audited()
    {
        var refused = await Assert.ThrowsAsync<RpcException>(() => RecordAsync("leics-police"));
        Assert.Equal(StatusCode.NotFound, refused.StatusCode);

        await RecordAsync("lpt-health");
        Assert.True(hub.Count("LedgerEntries", "EntryType = 'child-file.read' AND ChildFileId = $file AND instr(EntryBytes, CAST($call AS BLOB)) > 0",
            ("$file", fixture.ChildFileId), ("$call", "Escalations/GetEscalationRecord")) >= 1);
    }

    [Fact]
    public async Task A_disagreement_under_a_procedure_without_the_template_has_no_escalation_record()
    {
        var d = await hub.Escalations.OpenDisagreementAsync(Disagreements.Open(fixture.ChildFileId, profile: "north-wales-2014"));

        var refused = await Assert.ThrowsAsync<RpcException>(() =>
            hub.Escalations.GetEscalationRecordAsync(new GetEscalationRecordRequest { DisagreementId = d.DisagreementId, AgencyCode = "uhl-health" }).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, refused.StatusCode);
        Assert.Contains("no escalation record template", refused.Status.Detail);
    }
}
