using EscalationHub.Contracts.V1;

namespace EscalationHub.IntegrationTests.Infrastructure;

public static class Disagreements
{
    /// <summary>Raises a concern about a child so that the child has a file on the hub; returns the file id.</summary>
    public static async Task<string> ChildFileAsync(TestHub hub, string nhsNumber = "943 476 5919")
    {
        var request = Requests.HospitalReferral();
        request.Child.NhsNumber = nhsNumber;
        return (await hub.Concerns.RaiseConcernAsync(request)).ChildFileId;
    }

    public static OpenDisagreementRequest Open(string childFileId, string profile = "north-wales-2014", string raiser = "uhl-health",
        string responder = "leics-socialcare", HarmLevel harm = HarmLevel.Standard,
        AreaOfDisagreement area = AreaOfDisagreement.ReferralBelowThreshold) => new()
    {
        IdempotencyKey = Guid.NewGuid().ToString(),
        RaisedBy = new Actor { AgencyCode = raiser, Role = "Named Nurse for Safeguarding" },
        RespondingAgencyCodes = { responder },
        ChildFileIds = { childFileId },
        Area = area,
        HarmLevel = harm,
        Summary = "The referral was judged below threshold; we believe the child is at risk of significant harm.",
        ProfileId = profile,
    };

    public static Actor As(string agency, string role = "Team manager") => new() { AgencyCode = agency, Role = role };
}
