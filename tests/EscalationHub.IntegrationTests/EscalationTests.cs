using EscalationHub.Contracts.V1;
using EscalationHub.IntegrationTests.Infrastructure;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using static EscalationHub.IntegrationTests.Infrastructure.Disagreements;

namespace EscalationHub.IntegrationTests;

/// <summary>Disagreements over real gRPC against the embedded hub (real SQLite file, in-process adapters).</summary>
public sealed class EscalationTests(EmbeddedHub fixture) : IClassFixture<EmbeddedHub>
{
    private readonly TestHub hub = fixture.Hub;

    [Fact]
    public async Task A_north_wales_disagreement_walks_from_the_written_concern_to_closed_with_feedback_to_the_raiser()
    {
        var child = await ChildFileAsync(hub);
        var d = await hub.Escalations.OpenDisagreementAsync(Open(child));
        var id = d.DisagreementId;
        Assert.Equal(DisagreementStatus.Open, d.Status);
        Assert.Equal(1, d.CurrentStage.Stage);
        Assert.Contains("10 working days from the written concern (North Wales stage 1)", d.CurrentStage.Deadline.Rule);
        Assert.Contains(d.CurrentStage.ExpectedRoles, r => r.AgencyCode == "leics-socialcare" && r.Role == "social worker");

        d = await hub.Escalations.RecordDiscussionAsync(new RecordDiscussionRequest
        {
            DisagreementId = id, By = As("uhl-health"), HeldAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
            Summary = "Professionals met; CSC to reconsider with the new bruising photographs.", Attendees = { "Named nurse", "Social worker" }, IsMeeting = true,
        });
        var record = Assert.Single(d.Records).RecordId;

        var unsigned = await Assert.ThrowsAsync<RpcException>(() => hub.Escalations.ResolveDisagreementAsync(Resolve(id)).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, unsigned.StatusCode);
        Assert.Contains("signed by every party", unsigned.Status.Detail);

        await hub.Escalations.ApproveRecordAsync(new ApproveRecordRequest { DisagreementId = id, By = As("uhl-health"), RecordId = record });
        d = await hub.Escalations.ApproveRecordAsync(new ApproveRecordRequest { DisagreementId = id, By = As("leics-socialcare"), RecordId = record });
        Assert.Equal(2, d.Records[0].Approvals.Count);
        d = await hub.Escalations.ResolveDisagreementAsync(Resolve(id));
        Assert.Equal(DisagreementStatus.Resolved, d.Status);

        var early = await Assert.ThrowsAsync<RpcException>(() => hub.Escalations.CloseDisagreementAsync(new CloseDisagreementRequest { DisagreementId = id, By = As("leics-socialcare") }).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, early.StatusCode);
        Assert.Contains("feedback", early.Status.Detail);

        await hub.Escalations.GiveFeedbackAsync(new GiveFeedbackRequest { DisagreementId = id, By = As("leics-socialcare"), Summary = "Strategy discussion held; S47 enquiry opened." });
        d = await hub.Escalations.RecordLearningAsync(new RecordLearningRequest
        {
            DisagreementId = id, By = As("uhl-health"), Learning = "Photographs should travel with the referral.", Themes = { LearningTheme.InformationSharing },
        });
        Assert.Equal([LearningTheme.InformationSharing], d.LearningThemes);
        d = await hub.Escalations.CloseDisagreementAsync(new CloseDisagreementRequest { DisagreementId = id, By = As("leics-socialcare") });
        Assert.Equal(DisagreementStatus.Closed, d.Status);

        var events = new List<DisagreementEvent>();
        using var watch = hub.Escalations.WatchDisagreement(new WatchDisagreementRequest { DisagreementId = id, AgencyCode = "uhl-health" }, deadline: DateTime.UtcNow.AddSeconds(10));
        await foreach (var e in watch.ResponseStream.ReadAllAsync()) events.Add(e);
        Assert.Equal(["opened", "stage-entered", "record-added", "record-approved", "record-approved", "resolved", "feedback-given", "learning-captured", "closed"],
            events.Select(e => e.Type));
        Assert.Equal(Enumerable.Range(1, 9), events.Select(e => e.Sequence));
    }

    [Fact]
    public async Task A_child_protection_conference_dissent_enters_north_wales_at_stage_3_and_informs_the_cp_coordinator()
    {
        var child = await ChildFileAsync(hub);
        var d = await hub.Escalations.OpenDisagreementAsync(Open(child, area: AreaOfDisagreement.ChildProtectionConferenceDecision));

        Assert.Equal(3, d.CurrentStage.Stage);
        Assert.Contains("CP co-ordinator", d.CurrentStage.MustInform);
    }

    [Fact]
    public async Task Imminent_harm_makes_the_stage_due_at_once_and_alerts_the_designated_leads()
    {
        var child = await ChildFileAsync(hub);
        var before = DateTimeOffset.UtcNow;
        var d = await hub.Escalations.OpenDisagreementAsync(Open(child, harm: HarmLevel.ImminentHarm));

        Assert.True(d.CurrentStage.DueImmediately);
        Assert.Contains("imminent harm", d.CurrentStage.Deadline.Rule);
        Assert.InRange(d.CurrentStage.Deadline.DueAt.ToDateTimeOffset(), before.AddSeconds(-1), DateTimeOffset.UtcNow.AddSeconds(1));
        Assert.Contains("designated safeguarding leads", d.CurrentStage.MustInform);
    }

    [Fact]
    public async Task Only_a_party_can_see_or_watch_a_disagreement()
    {
        var child = await ChildFileAsync(hub);
        var d = await hub.Escalations.OpenDisagreementAsync(Open(child));

        var get = await Assert.ThrowsAsync<RpcException>(() =>
            hub.Escalations.GetDisagreementAsync(new GetDisagreementRequest { DisagreementId = d.DisagreementId, AgencyCode = "oakfield-school" }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, get.StatusCode); // as for an id that does not exist
        var escalate = await Assert.ThrowsAsync<RpcException>(() => hub.Escalations.EscalateDisagreementAsync(
            new EscalateDisagreementRequest { DisagreementId = d.DisagreementId, By = As("oakfield-school"), Reason = "not mine" }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, escalate.StatusCode);
        var list = await hub.Escalations.ListDisagreementsAsync(new ListDisagreementsRequest { AgencyCode = "oakfield-school" });
        Assert.DoesNotContain(list.Disagreements, x => x.DisagreementId == d.DisagreementId);
        var mine = await hub.Escalations.ListDisagreementsAsync(new ListDisagreementsRequest { AgencyCode = "leics-socialcare", ChildFileId = child });
        Assert.Contains(mine.Disagreements, x => x.DisagreementId == d.DisagreementId);
    }

    [Fact]
    public async Task Opening_about_an_unknown_child_file_is_refused_naming_the_field_and_stores_nothing()
    {
        var before = hub.Count("Disagreements");
        var invalid = Open("CF-NOSUCHFILE");
        invalid.RespondingAgencyCodes.Add("atlantis-police");

        var error = await Assert.ThrowsAsync<RpcException>(() => hub.Escalations.OpenDisagreementAsync(invalid).ResponseAsync);
        // A file the hub does not have is answered as one the agency is not party to (NOT_FOUND): it never tells
        // whether a child file id exists.
        var unknown = await Assert.ThrowsAsync<RpcException>(() => hub.Escalations.OpenDisagreementAsync(Open("CF-NOSUCHFILE")).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        var fields = error.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations.Select(v => v.Field).ToList();
        Assert.Contains("responding_agency_codes[1]", fields);
        Assert.Equal((StatusCode.NotFound, "child_file_ids[0]: no child file 'CF-NOSUCHFILE' that uhl-health is party to"), (unknown.StatusCode, unknown.Status.Detail));
        Assert.Equal(before, hub.Count("Disagreements"));
    }

    [Fact]
    public async Task Opening_twice_with_the_same_key_returns_the_first_disagreement()
    {
        var child = await ChildFileAsync(hub);
        var request = Open(child);

        var first = await hub.Escalations.OpenDisagreementAsync(request);
        var repeat = await hub.Escalations.OpenDisagreementAsync(request);

        Assert.Equal(first.DisagreementId, repeat.DisagreementId);
        Assert.Equal(1, hub.Count("Disagreements", "IdempotencyKey = $k", ("$k", request.IdempotencyKey)));
    }

    [Fact]
    public async Task Escalating_beyond_the_final_stage_is_refused_with_the_reason()
    {
        var child = await ChildFileAsync(hub);
        var d = await hub.Escalations.OpenDisagreementAsync(Open(child, area: AreaOfDisagreement.ChildProtectionConferenceDecision));
        await hub.Escalations.EscalateDisagreementAsync(new EscalateDisagreementRequest { DisagreementId = d.DisagreementId, By = As("uhl-health"), Reason = "No agreement at stage 3" });
        d = await hub.Escalations.EscalateDisagreementAsync(new EscalateDisagreementRequest { DisagreementId = d.DisagreementId, By = As("uhl-health"), Reason = "No agreement at stage 4" });
        Assert.Equal(5, d.CurrentStage.Stage);

        var error = await Assert.ThrowsAsync<RpcException>(() => hub.Escalations.EscalateDisagreementAsync(
            new EscalateDisagreementRequest { DisagreementId = d.DisagreementId, By = As("uhl-health"), Reason = "Again" }).ResponseAsync);

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains("final stage", error.Status.Detail);
    }

    [Fact]
    public async Task A_step_retried_with_the_same_request_id_is_applied_once()
    {
        var child = await ChildFileAsync(hub);
        var d = await hub.Escalations.OpenDisagreementAsync(Open(child, profile: "london-pa4-kingston-richmond"));
        var escalate = new EscalateDisagreementRequest { DisagreementId = d.DisagreementId, By = As("uhl-health"), Reason = "No agreement", RequestId = "esc-1" };

        var first = await hub.Escalations.EscalateDisagreementAsync(escalate);
        var retry = await hub.Escalations.EscalateDisagreementAsync(escalate); // as after an answer lost to a timeout
        var again = await hub.Escalations.EscalateDisagreementAsync(new EscalateDisagreementRequest(escalate) { RequestId = "esc-2" });

        Assert.Equal((2, 2), (first.CurrentStage.Stage, retry.CurrentStage.Stage));
        Assert.Equal(first.Version, retry.Version);
        Assert.Equal(3, again.CurrentStage.Stage); // a new request id is a new escalation
        Assert.Equal(["opened", "stage-entered", "escalated", "stage-entered", "escalated", "stage-entered"], Types(d.DisagreementId));
    }

    [Fact]
    public async Task A_refused_step_records_nothing_so_its_request_id_is_refused_again_with_the_reason()
    {
        var child = await ChildFileAsync(hub);
        var d = await hub.Escalations.OpenDisagreementAsync(Open(child, profile: "london-pa4-kingston-richmond"));
        var resolve = Resolve(d.DisagreementId);
        resolve.RequestId = "res-1";

        var refused = await Assert.ThrowsAsync<RpcException>(() => hub.Escalations.ResolveDisagreementAsync(resolve).ResponseAsync);
        var again = await Assert.ThrowsAsync<RpcException>(() => hub.Escalations.ResolveDisagreementAsync(resolve).ResponseAsync);

        Assert.Equal((StatusCode.FailedPrecondition, StatusCode.FailedPrecondition), (refused.StatusCode, again.StatusCode));
        Assert.Contains("until its record has been approved and dated by every party's manager: no record of this stage has been added", again.Status.Detail);
        Assert.Equal(["opened", "stage-entered"], Types(d.DisagreementId));
    }

    [Fact]
    public async Task London_child_protection_conference_dissent_is_distinct_from_resolving_professional_differences_so_it_is_refused_and_nothing_is_stored()
    {
        var child = await ChildFileAsync(hub);
        var before = hub.Count("Disagreements");

        var error = await Assert.ThrowsAsync<RpcException>(() => hub.Escalations.OpenDisagreementAsync(
            Open(child, profile: "london-pa4-kingston-richmond", area: AreaOfDisagreement.ChildProtectionConferenceDecision)).ResponseAsync);

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains("distinct from resolving professional differences", error.Status.Detail);
        Assert.Equal(before, hub.Count("Disagreements"));
    }

    [Fact]
    public async Task Cambridgeshire_needs_written_confirmation_between_the_parties_about_an_agreed_outcome_not_one_partys_word()
    {
        var child = await ChildFileAsync(hub);
        var d = await hub.Escalations.OpenDisagreementAsync(Open(child, profile: "cambridgeshire-2013"));
        var id = d.DisagreementId;
        d = await hub.Escalations.RecordDiscussionAsync(new RecordDiscussionRequest
        {
            DisagreementId = id, By = As("leics-socialcare"), HeldAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
            Summary = "Agreed outcome: strategy discussion today.", Attendees = { "Named nurse", "Social worker" },
        });
        var record = d.Records.Single().RecordId;
        await hub.Escalations.ApproveRecordAsync(new ApproveRecordRequest { DisagreementId = id, By = As("leics-socialcare"), RecordId = record });

        var refused = await Assert.ThrowsAsync<RpcException>(() => hub.Escalations.ResolveDisagreementAsync(Resolve(id)).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, refused.StatusCode);
        Assert.Contains("written confirmation between the parties about an agreed outcome", refused.Status.Detail);
        Assert.EndsWith("awaits uhl-health", refused.Status.Detail);

        await hub.Escalations.ApproveRecordAsync(new ApproveRecordRequest { DisagreementId = id, By = As("uhl-health"), RecordId = record });
        Assert.Equal(DisagreementStatus.Resolved, (await hub.Escalations.ResolveDisagreementAsync(Resolve(id))).Status);
    }

    private List<string> Types(string disagreementId)
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={hub.DatabasePath};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT Type FROM DisagreementEvents WHERE DisagreementId = $id ORDER BY Sequence";
        command.Parameters.AddWithValue("$id", disagreementId);
        using var reader = command.ExecuteReader();
        var types = new List<string>();
        while (reader.Read()) types.Add(reader.GetString(0));
        return types;
    }

    private static ResolveDisagreementRequest Resolve(string id) => new()
    {
        DisagreementId = id, By = As("leics-socialcare"), Summary = "CSC will hold a strategy discussion today.",
        AgreedActions = { new AgreedAction { Who = "leics-socialcare: team manager", What = "Strategy discussion", ByWhen = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(1)) } },
    };
}
