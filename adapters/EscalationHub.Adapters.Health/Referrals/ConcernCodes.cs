using EscalationHub.Contracts.Messages;

namespace EscalationHub.Adapters.Health.Referrals;

/// <summary>The hub's local code table for the reason of a safeguarding referral: coding system "EHSG" in HL7 v2
/// (RF1-10) and <see cref="FhirSystem"/> in FHIR (ServiceRequest.reasonCode). A reason coded in another system (e.g.
/// SNOMED CT) is kept as text and the concern is categorised Other.</summary>
public static class ConcernCodes
{
    public const string Hl7System = "EHSG";
    public const string FhirSystem = "https://escalationhub.example/CodeSystem/concern-category";

    private static readonly Dictionary<string, ConcernCategory> Codes = new(StringComparer.OrdinalIgnoreCase)
    {
        ["PHYS"] = ConcernCategory.PhysicalAbuse, ["physical-abuse"] = ConcernCategory.PhysicalAbuse,
        ["EMOT"] = ConcernCategory.EmotionalAbuse, ["emotional-abuse"] = ConcernCategory.EmotionalAbuse,
        ["SEXA"] = ConcernCategory.SexualAbuse, ["sexual-abuse"] = ConcernCategory.SexualAbuse,
        ["NEGL"] = ConcernCategory.Neglect, ["neglect"] = ConcernCategory.Neglect,
        ["CCE"] = ConcernCategory.CriminalExploitation, ["criminal-exploitation"] = ConcernCategory.CriminalExploitation,
        ["CSE"] = ConcernCategory.SexualExploitation, ["sexual-exploitation"] = ConcernCategory.SexualExploitation,
        ["DOMA"] = ConcernCategory.DomesticAbuse, ["domestic-abuse"] = ConcernCategory.DomesticAbuse,
        ["NAI"] = ConcernCategory.NonAccidentalInjury, ["non-accidental-injury"] = ConcernCategory.NonAccidentalInjury,
        ["OTH"] = ConcernCategory.Other, ["other"] = ConcernCategory.Other,
    };

    public static bool TryCategory(string code, out ConcernCategory category) => Codes.TryGetValue(code, out category);

    public static string Listed => "PHYS, EMOT, SEXA, NEGL, CCE, CSE, DOMA, NAI, OTH";
}
