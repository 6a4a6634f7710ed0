using EscalationHub.Contracts.V1;
using EscalationHub.IntegrationTests.Infrastructure;
using Google.Rpc;
using Grpc.Core;

namespace EscalationHub.IntegrationTests;

/// <summary>Bad input is refused at the edge with a status that names the field at fault, and changes nothing.</summary>
public sealed class RaiseConcernValidationTests(EmbeddedHub fixture) : IClassFixture<EmbeddedHub>
{
    private readonly TestHub hub = fixture.Hub;

    public static TheoryData<string, string, string> BadRequests => new()
    {
        { "bad NHS number check digit", "child.nhs_number", "modulus 11" },
        { "missing child", "child", "is required" },
        { "unknown addressed agency", "addressed_to_agency_code", "not a registered agency" },
        { "details too long", "details", "at most 8000 characters" },
        { "no harm level", "harm_level", "must be" },
        { "category not in the enum", "category", "must be one of the concern categories" },
        { "role too long", "raised_by.role", "must be at most" },
        { "given name missing", "child.given_name", "is required" },
        { "no idempotency key", "idempotency_key", "is required" },
        { "date of birth in the future", "child.date_of_birth", "in the future" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task A_bad_request_is_refused_with_invalid_argument_naming_the_field_and_stores_nothing(string problem, string field, string description)
    {
        var before = await hub.SettledCountsAsync();
        var request = Requests.HospitalReferral();
        switch (problem)
        {
            case "bad NHS number check digit": request.Child.NhsNumber = "943 476 5918"; break;
            case "missing child": request.Child = null; break;
            case "unknown addressed agency": request.AddressedToAgencyCode = "atlantis-socialcare"; break;
            case "details too long": request.Details = new string('x', 8001); break;
            case "no harm level": request.HarmLevel = HarmLevel.Unspecified; break;
            case "category not in the enum": request.Category = (ConcernCategory)999; break;
            case "role too long": request.RaisedBy.Role = new string('r', 1000); break;
            case "given name missing": request.Child.GivenName = ""; break;
            case "no idempotency key": request.IdempotencyKey = ""; break;
            case "date of birth in the future": request.Child.DateOfBirth = new Date { Year = DateTime.UtcNow.Year + 1, Month = 1, Day = 1 }; break;
        }

        var error = await Assert.ThrowsAsync<RpcException>(() => hub.Concerns.RaiseConcernAsync(request).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains(field, error.Status.Detail);
        var violation = Assert.Single(error.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations, v => v.Field == field);
        Assert.Contains(description, violation.Description);
        Assert.Equal(before, hub.CountAll());
    }

    [Fact]
    public async Task A_raising_agency_other_than_the_certificates_is_refused_with_permission_denied_and_stores_nothing()
    {
        var before = await hub.SettledCountsAsync();
        var request = Requests.HospitalReferral();
        request.RaisedBy.AgencyCode = "leics-police";

        var error = await Assert.ThrowsAsync<RpcException>(() => hub.As("uhl-health").Concerns.RaiseConcernAsync(request).ResponseAsync);

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
        Assert.Contains("raised_by.agency_code", error.Status.Detail);
        Assert.Contains("'uhl-health'", error.Status.Detail);
        Assert.Equal(before, hub.CountAll());
    }

    [Fact]
    public async Task An_empty_raising_agency_is_taken_from_the_certificate()
    {
        var request = Requests.HospitalReferral();
        request.RaisedBy.AgencyCode = "";

        var concern = await hub.As("uhl-health").Concerns.RaiseConcernAsync(request);

        Assert.Equal("uhl-health", concern.RaisedBy.AgencyCode);
    }

    [Fact]
    public async Task A_request_larger_than_the_limit_is_refused_with_resource_exhausted_and_stores_nothing()
    {
        var before = await hub.SettledCountsAsync();
        var request = Requests.HospitalReferral();
        request.Details = new string('x', 70 * 1024);

        var error = await Assert.ThrowsAsync<RpcException>(() => hub.Concerns.RaiseConcernAsync(request).ResponseAsync);

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Equal(before, hub.CountAll());
    }

    [Fact]
    public async Task An_idempotency_key_reused_for_a_different_concern_is_refused_and_the_first_concern_stands()
    {
        var first = await hub.Concerns.RaiseConcernAsync(Requests.HospitalReferral("key-1"));
        var before = await hub.SettledCountsAsync();
        var different = Requests.HospitalReferral("key-1");
        different.Details = "A different referral under the same key.";

        var error = await Assert.ThrowsAsync<RpcException>(() => hub.Concerns.RaiseConcernAsync(different).ResponseAsync);

        Assert.Equal(StatusCode.AlreadyExists, error.StatusCode);
        Assert.Contains("idempotency_key", error.Status.Detail);
        Assert.Equal(before, hub.CountAll());
        var stored = await hub.Concerns.GetConcernAsync(new GetConcernRequest { ConcernId = first.ConcernId, AgencyCode = "uhl-health" });
        Assert.Equal(first.Details, stored.Details);
    }

    [Fact]
    public async Task Only_the_raising_and_the_addressed_agency_can_read_or_watch_a_concern()
    {
        var concern = await hub.Concerns.RaiseConcernAsync(Requests.HospitalReferral());

        Assert.Equal(concern.ConcernId, (await hub.Concerns.GetConcernAsync(new GetConcernRequest { ConcernId = concern.ConcernId, AgencyCode = "leics-socialcare" })).ConcernId);
        var get = await Assert.ThrowsAsync<RpcException>(() =>
            hub.Concerns.GetConcernAsync(new GetConcernRequest { ConcernId = concern.ConcernId, AgencyCode = "leics-police" }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, get.StatusCode); // as for an id that does not exist
        Assert.DoesNotContain("Amelia", get.Status.Detail);
        using var watch = hub.Concerns.WatchConcern(new WatchConcernRequest { ConcernId = concern.ConcernId, AgencyCode = "oakfield-school" });
        var stream = await Assert.ThrowsAsync<RpcException>(() => watch.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(StatusCode.NotFound, stream.StatusCode);
    }

    [Fact]
    public async Task Getting_a_concern_that_does_not_exist_is_not_found()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            hub.Concerns.GetConcernAsync(new GetConcernRequest { ConcernId = Guid.NewGuid().ToString(), AgencyCode = "uhl-health" }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, error.StatusCode);
    }
}
