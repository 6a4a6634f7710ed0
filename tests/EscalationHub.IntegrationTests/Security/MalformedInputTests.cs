using EscalationHub.Contracts.V1;
using EscalationHub.IntegrationTests.Infrastructure;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;

namespace EscalationHub.IntegrationTests.Security;

/// <summary>
/// Malformed request bodies, out-of-range timestamps and text that hides or reorders what a practitioner reads, sent
/// over real HTTP/2 to a real hub: each gets a clear refusal (INVALID_ARGUMENT naming the body or the field, and
/// UNAUTHENTICATED before anything is read when the caller has no certificate) and stores nothing.
/// </summary>
public sealed class MalformedInputTests(EmbeddedHub fixture) : IClassFixture<EmbeddedHub>
{
    private readonly TestHub hub = fixture.Hub;

    /// <summary>A valid referral followed by a broken field: the parser reads the good part first.</summary>
    private static byte[] ReferralThen(params byte[] tail) => [.. Requests.HospitalReferral().ToByteArray(), .. tail];

    public static TheoryData<string> MalformedBodies => ["truncated varint", "invalid UTF-8", "field number 0", "deep nesting", "wrong wire type"];

    private static byte[] Body(string problem) => problem switch
    {
        "truncated varint" => ReferralThen(0x30, 0xFF, 0xFF),                   // harm_level: a varint whose last byte never comes
        "invalid UTF-8" => ReferralThen(0x3A, 0x02, 0xC3, 0x28),               // details: 0xC3 0x28 is not UTF-8
        "field number 0" => ReferralThen(0x02, 0x01, 0x41),                    // tag 0, length-delimited
        "deep nesting" => ReferralThen([.. Enumerable.Repeat<byte[]>([0xA3, 0x06], 500).SelectMany(b => b),  // 500 groups (field 100) deep
                                        .. Enumerable.Repeat<byte[]>([0xA4, 0x06], 500).SelectMany(b => b)]),
        "wrong wire type" => ReferralThen(0x38, 0x01),                         // details (a string) sent as a varint
        _ => throw new ArgumentOutOfRangeException(nameof(problem)),
    };

    [Theory]
    [MemberData(nameof(MalformedBodies))]
    public async Task A_malformed_request_body_is_refused_with_invalid_argument_and_stores_nothing(string problem)
    {
        var before = await hub.SettledCountsAsync();

        var error = await RawCalls.RefusalAsync(hub.As("uhl-health"), "Concerns", "RaiseConcern", Body(problem));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("request body is not a valid escalationhub.v1.RaiseConcernRequest", error.Status.Detail);
        Assert.Equal(before, hub.CountAll());
    }

    [Theory]
    [MemberData(nameof(MalformedBodies))]
    public async Task A_malformed_request_body_without_a_client_certificate_is_refused_as_unauthenticated_before_it_is_read(string problem)
    {
        var before = await hub.SettledCountsAsync();

        var error = await RawCalls.RefusalAsync(hub.Anonymous(), "Concerns", "RaiseConcern", Body(problem));

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
        Assert.Contains("client certificate", error.Status.Detail);
        Assert.Equal(before, hub.CountAll());
    }

    [Fact]
    public async Task A_well_formed_request_without_a_client_certificate_is_still_refused_as_unauthenticated()
    {
        var error = await RawCalls.RefusalAsync(hub.Anonymous(), "Escalations", "ListDisagreements", new ListDisagreementsRequest().ToByteArray());

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
    }

    public static TheoryData<string, string> OutOfRangeTimestamps => new()
    {
        { "held_at seconds of 10^15", "held_at" },
        { "held_at with negative nanos", "held_at" },
        { "held_at with nanos of a second or more", "held_at" },
        { "agreed action due 10^15 seconds before 1970", "agreed_actions[0].by_when" },
    };

    [Theory]
    [MemberData(nameof(OutOfRangeTimestamps))]
    public async Task An_out_of_range_timestamp_is_refused_with_invalid_argument_naming_the_field_and_stores_nothing(string problem, string field)
    {
        var disagreement = await OpenDisagreementAsync();
        var events = hub.Count("DisagreementEvents");
        var by = Disagreements.As("uhl-health", "Named Nurse for Safeguarding");

        var call = problem switch
        {
            "held_at seconds of 10^15" => Discussion(new Timestamp { Seconds = 1_000_000_000_000_000 }),
            "held_at with negative nanos" => Discussion(new Timestamp { Seconds = 1_700_000_000, Nanos = -1 }),
            "held_at with nanos of a second or more" => Discussion(new Timestamp { Seconds = 1_700_000_000, Nanos = 1_000_000_000 }),
            _ => hub.As("uhl-health").Escalations.ResolveDisagreementAsync(new ResolveDisagreementRequest
            {
                DisagreementId = disagreement, By = by, Summary = "Agreed",
                AgreedActions = { new AgreedAction { Who = "CSC team manager", What = "Strategy discussion", ByWhen = new Timestamp { Seconds = -1_000_000_000_000_000 } } },
            }),
        };
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains(error.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations, v => v.Field == field);
        Assert.Equal(events, hub.Count("DisagreementEvents"));

        AsyncUnaryCall<Disagreement> Discussion(Timestamp heldAt) => hub.As("uhl-health").Escalations.RecordDiscussionAsync(new RecordDiscussionRequest
        {
            DisagreementId = disagreement, By = by, HeldAt = heldAt, Summary = "Strategy discussion held by phone",
        });
    }

    public static TheoryData<string, string> HiddenText => new()
    {
        { "role with NUL", "raised_by.role" },
        { "role with DEL", "raised_by.role" },
        { "role with a C1 control", "raised_by.role" },
        { "family name with a right-to-left override", "child.family_name" },
        { "zero-width-only given name", "child.given_name" },
        { "details with a bidirectional isolate", "details" },
        { "details with an escape character", "details" },
        { "NHS number 0000000000", "child.nhs_number" },
        { "NHS number 1111111111", "child.nhs_number" },
    };

    [Theory]
    [MemberData(nameof(HiddenText))]
    public async Task A_concern_with_control_bidirectional_or_invisible_text_is_refused_naming_the_field_and_stores_nothing(string problem, string field)
    {
        var before = await hub.SettledCountsAsync();
        var request = Requests.HospitalReferral();
        switch (problem)
        {
            case "role with NUL": request.RaisedBy.Role = "Named Nurse\0"; break;
            case "role with DEL": request.RaisedBy.Role = "Named\u007FNurse"; break;
            case "role with a C1 control": request.RaisedBy.Role = "Named\u0085Nurse"; break;
            case "family name with a right-to-left override": request.Child.FamilyName = "Test\u202Edlihc"; break;
            case "zero-width-only given name": request.Child.GivenName = "\u200B\u200C\u200D\uFEFF"; break;
            case "details with a bidirectional isolate": request.Details = "Bruising seen \u2066no concerns\u2069 on both arms."; break;
            case "details with an escape character": request.Details = "Bruising seen \u001b[8m on both arms."; break;
            case "NHS number 0000000000": request.Child.NhsNumber = "0000000000"; break;
            case "NHS number 1111111111": request.Child.NhsNumber = "111 111 1111"; break;
        }

        var error = await Assert.ThrowsAsync<RpcException>(() => hub.As("uhl-health").Concerns.RaiseConcernAsync(request).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains(error.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations, v => v.Field == field);
        Assert.Equal(before, hub.CountAll());
    }

    [Fact]
    public async Task Details_over_several_lines_with_tabs_are_accepted()
    {
        var request = Requests.HospitalReferral();
        request.Details = "Seen in ED at 02:10.\r\nBruising to both arms.\n\tSibling known to CSC.";

        var concern = await hub.As("uhl-health").Concerns.RaiseConcernAsync(request);

        Assert.Equal(request.Details, concern.Details);
    }

    public static TheoryData<string, string> HiddenDisagreementText => new()
    {
        { "summary with a right-to-left override", "summary" },
        { "role with NUL", "raised_by.role" },
        { "summary that is only zero-width spaces", "summary" },
    };

    [Theory]
    [MemberData(nameof(HiddenDisagreementText))]
    public async Task A_disagreement_with_control_or_bidirectional_text_is_refused_naming_the_field_and_stores_nothing(string problem, string field)
    {
        var child = await Disagreements.ChildFileAsync(hub);
        var before = hub.Count("Disagreements");
        var request = Disagreements.Open(child);
        switch (problem)
        {
            case "summary with a right-to-left override": request.Summary = "We disagree \u202Eesolc ot\u202C with the decision."; break;
            case "role with NUL": request.RaisedBy.Role = "\0"; break;
            case "summary that is only zero-width spaces": request.Summary = "\u200B\u2060\u200B"; break;
        }

        var error = await Assert.ThrowsAsync<RpcException>(() => hub.As("uhl-health").Escalations.OpenDisagreementAsync(request).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains(error.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations, v => v.Field == field);
        Assert.Equal(before, hub.Count("Disagreements"));
    }

    private async Task<string> OpenDisagreementAsync()
    {
        var child = await Disagreements.ChildFileAsync(hub);
        return (await hub.As("uhl-health").Escalations.OpenDisagreementAsync(Disagreements.Open(child))).DisagreementId;
    }
}
