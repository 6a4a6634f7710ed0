using EscalationHub.Contracts.Messages;

namespace EscalationHub.Adapters.Health.Referrals;

/// <summary>The codes that give a safeguarding referral its category:
/// <list type="bullet">
/// <item>the hub's local code table: coding system "EHSG" in HL7 v2 (RF1-10) and <see cref="FhirSystem"/> in FHIR
/// (ServiceRequest.reasonCode);</item>
/// <item>SNOMED CT (<see cref="SnomedHl7System"/> in HL7 v2, <see cref="SnomedFhirSystem"/> in FHIR), through the
/// table <see cref="Snomed"/> (documented in docs/adapters.md). A reason coded only in SNOMED CT with a concept not in
/// the table is refused, never filed as Other: the adapter cannot tell what it means, and a wrong category misdirects
/// a child's case. Only concept ids checked against published sources are listed; adding one is a reviewed change to
/// this table and to the documentation.</item>
/// </list>
/// A reason coded in neither (text only, ICD-10...) is kept as text and the concern is categorised Other.</summary>
public static class ConcernCodes
{
    public const string Hl7System = "EHSG";
    public const string FhirSystem = "https://escalationhub.example/CodeSystem/concern-category";
    public const string SnomedHl7System = "SCT";
    public const string SnomedFhirSystem = "http://snomed.info/sct";

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

    /// <summary>SNOMED CT concept id -> (its preferred term, the hub's category). Keep in step with the table in
    /// docs/adapters.md ("SNOMED CT reasons").</summary>
    public static IReadOnlyDictionary<string, (string Term, ConcernCategory Category)> Snomed { get; } = new Dictionary<string, (string, ConcernCategory)>
    {
        // A general concept: it names no finer category, so the hub's Other, deliberately; the details carry the rest.
        ["397940009"] = ("Victim of child abuse", ConcernCategory.Other),
        ["371775004"] = ("Emotional abuse of child", ConcernCategory.EmotionalAbuse),
        // UK edition concepts (the NHS's extension: ids ending 1000000...).
        ["919461000000108"] = ("At risk of sexual exploitation", ConcernCategory.SexualExploitation),
        ["1188261000000103"] = ("At risk of criminal exploitation", ConcernCategory.CriminalExploitation),
    };

    public static bool TryCategory(string code, out ConcernCategory category) => Codes.TryGetValue(code, out category);

    public static bool TrySnomed(string? code, out ConcernCategory category)
    {
        category = default;
        if (code is null || !Snomed.TryGetValue(code.Trim(), out var entry)) return false;
        category = entry.Category;
        return true;
    }

    public static string Listed => "PHYS, EMOT, SEXA, NEGL, CCE, CSE, DOMA, NAI, OTH";

    public static string SnomedListed => string.Join(", ", Snomed.Keys);
}
