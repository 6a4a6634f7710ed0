using EscalationHub.Contracts.V1;
using Grpc.Core;

namespace EscalationHub.IntegrationTests.Infrastructure;

public static class Requests
{
    /// <summary>A valid referral from the hospital to children's social care about a made-up child.</summary>
    public static RaiseConcernRequest HospitalReferral(string? idempotencyKey = null, string addressedTo = "leics-socialcare") => new()
    {
        IdempotencyKey = idempotencyKey ?? Guid.NewGuid().ToString(),
        Child = new Child
        {
            NhsNumber = "943 476 5919",
            GivenName = "Amelia",
            FamilyName = "Testchild",
            DateOfBirth = new Date { Year = 2024, Month = 3, Day = 14 },
        },
        RaisedBy = new Actor { AgencyCode = "uhl-health", Role = "Paediatric registrar, Children's ED" },
        AddressedToAgencyCode = addressedTo,
        Category = ConcernCategory.PhysicalAbuse,
        HarmLevel = HarmLevel.SignificantHarm,
        Details = "Bruising to both upper arms inconsistent with the explanation given; sibling known to CSC.",
    };

    /// <summary>Follows WatchConcern until the concern is decided (or the timeout passes) and returns every change seen.</summary>
    public static async Task<List<ConcernStatusChange>> WatchUntilDecidedAsync(Concerns.ConcernsClient client, string concernId, TimeSpan timeout,
        string asAgency = "uhl-health")
    {
        var changes = new List<ConcernStatusChange>();
        using var call = client.WatchConcern(new WatchConcernRequest { ConcernId = concernId, AgencyCode = asAgency }, deadline: DateTime.UtcNow + timeout);
        try
        {
            await foreach (var change in call.ResponseStream.ReadAllAsync())
                changes.Add(change);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.DeadlineExceeded)
        {
        }
        return changes;
    }
}
