using EscalationHub.Contracts.V1;
using EscalationHub.IntegrationTests.Infrastructure;
using Google.Rpc;
using Grpc.Core;

namespace EscalationHub.IntegrationTests.Security;

/// <summary>Opening a disagreement validates every field at the edge (enums, lengths, registered agencies) and a
/// refused request stores nothing.</summary>
public sealed class DisagreementValidationTests(EmbeddedHub fixture) : IClassFixture<EmbeddedHub>
{
    private readonly TestHub hub = fixture.Hub;

    public static TheoryData<string, string, string> BadRequests => new()
    {
        { "no area", "area", "must be one of the areas" },
        { "area not in the enum", "area", "must be one of the areas" },
        { "no harm level", "harm_level", "must be" },
        { "summary too long", "summary", "at most 8000 characters" },
        { "role too long", "raised_by.role", "at most 100 characters" },
        { "idempotency key too long", "idempotency_key", "at most 100 characters" },
        { "unknown responding agency", "responding_agency_codes[0]", "not a registered agency" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task A_bad_disagreement_is_refused_naming_the_field_and_stores_nothing(string problem, string field, string description)
    {
        var child = await Disagreements.ChildFileAsync(hub);
        var before = hub.Count("Disagreements");
        var request = Disagreements.Open(child);
        switch (problem)
        {
            case "no area": request.Area = AreaOfDisagreement.Unspecified; break;
            case "area not in the enum": request.Area = (AreaOfDisagreement)999; break;
            case "no harm level": request.HarmLevel = HarmLevel.Unspecified; break;
            case "summary too long": request.Summary = new string('s', 8001); break;
            case "role too long": request.RaisedBy.Role = new string('r', 101); break;
            case "idempotency key too long": request.IdempotencyKey = new string('k', 101); break;
            case "unknown responding agency": request.RespondingAgencyCodes[0] = "atlantis-police"; break;
        }

        var error = await Assert.ThrowsAsync<RpcException>(() => hub.As("uhl-health").Escalations.OpenDisagreementAsync(request).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        var violation = Assert.Single(error.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations, v => v.Field == field);
        Assert.Contains(description, violation.Description);
        Assert.Equal(before, hub.Count("Disagreements"));
    }
}
