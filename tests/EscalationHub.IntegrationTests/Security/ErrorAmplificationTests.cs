using EscalationHub.Contracts.V1;
using EscalationHub.IntegrationTests.Infrastructure;
using Google.Protobuf;
using Google.Rpc;
using Grpc.Core;

namespace EscalationHub.IntegrationTests.Security;

/// <summary>
/// A small request must not buy a large answer: the refusal of a request with thousands of bad values is a few KB at
/// most (repeated fields have a maximum count, refused with one error; the field errors reported are capped, each
/// bounded in length), and the request stores nothing.
/// </summary>
public sealed class ErrorAmplificationTests(EmbeddedHub fixture) : IClassFixture<EmbeddedHub>
{
    private const int MaxRefusalBytes = 8 * 1024;
    private readonly TestHub hub = fixture.Hub;

    [Fact]
    public async Task A_20_KB_request_with_20000_invalid_themes_gets_one_small_invalid_argument_and_stores_nothing()
    {
        var disagreement = await OpenDisagreementAsync();
        var events = hub.Count("DisagreementEvents");
        // RecordLearning with themes = 20,000 times the unknown value 99, packed: one byte each.
        var request = new RecordLearningRequest { DisagreementId = disagreement, By = Disagreements.As("uhl-health"), Learning = "Thresholds were read differently." };
        var body = (byte[])[.. request.ToByteArray(), 0x22, .. Varint(20_000), .. Enumerable.Repeat((byte)99, 20_000)];
        Assert.InRange(body.Length, 20_000, 21_000);

        var error = await RawCalls.RefusalAsync(hub.As("uhl-health"), "Escalations", "RecordLearning", body);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.InRange(RawCalls.SizeOf(error), 1, MaxRefusalBytes);
        var violation = Assert.Single(error.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations);
        Assert.Equal("themes", violation.Field);
        Assert.Contains("at most 16", violation.Description);
        Assert.Equal(events, hub.Count("DisagreementEvents"));
    }

    [Fact]
    public async Task Twenty_thousand_unknown_responding_agencies_get_one_error_naming_the_field_and_its_limit()
    {
        var child = await Disagreements.ChildFileAsync(hub);
        var before = hub.Count("Disagreements");
        var request = Disagreements.Open(child);
        request.RespondingAgencyCodes.Clear();
        request.RespondingAgencyCodes.AddRange(Enumerable.Repeat("x", 20_000));

        var error = await Assert.ThrowsAsync<RpcException>(() => hub.As("uhl-health").Escalations.OpenDisagreementAsync(request).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.InRange(RawCalls.SizeOf(error), 1, MaxRefusalBytes);
        var violation = Assert.Single(error.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations);
        Assert.Equal("responding_agency_codes", violation.Field);
        Assert.Contains("at most 16", violation.Description);
        Assert.Equal(before, hub.Count("Disagreements"));
    }

    [Fact]
    public async Task Many_field_errors_are_reported_as_the_first_ten_and_a_count_of_the_rest()
    {
        var disagreement = await OpenDisagreementAsync();
        var events = hub.Count("DisagreementEvents");
        var request = new ResolveDisagreementRequest { DisagreementId = disagreement, By = Disagreements.As("uhl-health"), Summary = "Agreed" };
        // 15 agreed actions with neither who, what nor when: 45 errors.
        request.AgreedActions.AddRange(Enumerable.Range(0, 15).Select(_ => new AgreedAction()));

        var error = await Assert.ThrowsAsync<RpcException>(() => hub.As("uhl-health").Escalations.ResolveDisagreementAsync(request).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        var violations = error.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations;
        Assert.Equal(11, violations.Count);
        Assert.Equal("agreed_actions[0].who", violations[0].Field);
        Assert.Contains("and 35 more", violations[10].Description);
        Assert.Contains("and 35 more", error.Status.Detail);
        Assert.Equal(events, hub.Count("DisagreementEvents"));
    }

    [Fact]
    public async Task A_huge_value_echoed_in_an_error_is_cut_short()
    {
        var child = await Disagreements.ChildFileAsync(hub);
        var request = Disagreements.Open(child);
        request.RespondingAgencyCodes[0] = new string('x', 40_000);
        request.ProfileId = new string('p', 20_000);

        var error = await Assert.ThrowsAsync<RpcException>(() => hub.As("uhl-health").Escalations.OpenDisagreementAsync(request).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.InRange(RawCalls.SizeOf(error), 1, MaxRefusalBytes);
        Assert.All(error.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations, v => Assert.InRange(v.Description.Length, 1, 300));
    }

    [Fact]
    public async Task A_not_found_answer_for_a_huge_id_is_cut_short()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            hub.As("uhl-health").Escalations.GetDisagreementAsync(new GetDisagreementRequest { DisagreementId = "DG-" + new string('9', 60_000) }).ResponseAsync);

        Assert.NotEqual(StatusCode.Unknown, error.StatusCode);
        Assert.NotEqual(StatusCode.Internal, error.StatusCode);
        Assert.InRange(RawCalls.SizeOf(error), 1, MaxRefusalBytes);
    }

    private async Task<string> OpenDisagreementAsync()
    {
        var child = await Disagreements.ChildFileAsync(hub);
        return (await hub.As("uhl-health").Escalations.OpenDisagreementAsync(Disagreements.Open(child))).DisagreementId;
    }

    private static byte[] Varint(int value)
    {
        var bytes = new List<byte>();
        for (var v = (uint)value; ; v >>= 7)
        {
            if (v < 0x80) { bytes.Add((byte)v); return [.. bytes]; }
            bytes.Add((byte)(v | 0x80));
        }
    }
}
