using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using EscalationHub.Domain.Calendar;

namespace EscalationHub.Domain.Policies;

/// <summary>A profile file that cannot be used, naming the file and the JSON path of the fault.</summary>
public sealed class PolicyProfileException(string file, string path, string problem, Exception? inner = null)
    : Exception($"policy profile {file}: {path}: {problem}", inner)
{
    public string File { get; } = file;
    public string JsonPath { get; } = path;
    public string Problem { get; } = problem;
}

/// <summary>
/// The loaded profiles, by id. Load all or nothing: one bad file refuses the set.
/// A profile file holds: id, name, shortName (used in deadline rules), source, note, agencyTypes (default all four),
/// stages [ { number 1..n in order, name, whoMeets, timescale ("24h", "10wd", "working-week", "same-working-day",
/// "without-delay", "immediately", "none"), timescaleText, clockFrom ("stage-entered", "written-concern",
/// "previous-stage-meeting"), timescaleIs ("resolution", the default: the hub escalates when it passes unresolved; or
/// "referral": the time to refer upwards, of which the parties are warned when it passes, no automatic escalation),
/// expectedRoles { AgencyType: role } for every agency type, mustInform [..], closeRequires ["record" | "meeting" |
/// "record-signed-by-all-parties" | "record-approved-and-dated" | "agreed-outcome-confirmed-by-all-parties"] } ] (a stage may instead give steps [..] of
/// whoMeets/timescale/expectedRoles), entries [ { area, stage } ], harmRules [ { harm, timescale, text } ] for
/// SignificantHarm and ImminentHarm, refusedAreas [ { area, reason } ] (optional: areas the procedure does not take), infantNonAccidentalInjury { timescale, text } (optional), finalOutcomes [..],
/// outcomesReportedTo, learningReportedTo, informedParties [ { role (as a stage's mustInform names it), title, agency
/// ("raiser" | "local-authority") } ] (optional), escalationRecord { title, source, levels [..] at least one per stage }
/// (optional: the procedure's own record template). Unknown fields are refused, so a misspelling cannot silently drop a rule.
/// </summary>
public sealed class PolicyProfiles
{
    private const string ResourcePrefix = "EscalationHub.Domain.Policies.Profiles.";

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        PropertyNameCaseInsensitive = false,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    private readonly Dictionary<string, PolicyProfile> _byId;

    public PolicyProfiles(IEnumerable<PolicyProfile> profiles)
    {
        _byId = new(StringComparer.Ordinal);
        foreach (var profile in profiles)
            if (!_byId.TryAdd(profile.Id, profile))
                throw new ArgumentException($"two policy profiles have the id \"{profile.Id}\"", nameof(profiles));
    }

    public IReadOnlyCollection<PolicyProfile> All => _byId.Values;

    public PolicyProfile this[string id] =>
        _byId.TryGetValue(id, out var profile)
            ? profile
            : throw new KeyNotFoundException($"no policy profile \"{id}\"; known: {string.Join(", ", _byId.Keys.Order())}");

    public bool TryGet(string id, out PolicyProfile profile) => _byId.TryGetValue(id, out profile!);

    /// <summary>Every *.json file in <paramref name="directory"/>.</summary>
    public static PolicyProfiles Load(string directory) =>
        new(Directory.EnumerateFiles(directory, "*.json").Order(StringComparer.Ordinal)
            .Select(path => Parse(Path.GetFileName(path), File.ReadAllText(path))));

    /// <summary>The five profiles shipped inside this assembly.</summary>
    public static PolicyProfiles LoadEmbedded()
    {
        var assembly = typeof(PolicyProfiles).Assembly;
        return new(assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal) && n.EndsWith(".json", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(n => Parse(n[ResourcePrefix.Length..], ReadResource(assembly, n))));
    }

    /// <summary>Parses and validates one profile; <paramref name="file"/> names it in errors.</summary>
    public static PolicyProfile Parse(string file, string json)
    {
        ProfileFile? dto;
        try
        {
            dto = JsonSerializer.Deserialize<ProfileFile>(json, Json);
        }
        catch (JsonException e)
        {
            throw new PolicyProfileException(file, e.Path ?? "$", $"malformed JSON ({e.Message})", e);
        }

        if (dto is null)
            throw new PolicyProfileException(file, "$", "the file holds null, not a profile");
        return new Validator(file).Profile(dto);
    }

    private static string ReadResource(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private sealed class Validator(string file)
    {
        private PolicyProfileException Fault(string path, string problem) => new(file, path, problem);

        private string Required(string? value, string path) =>
            string.IsNullOrWhiteSpace(value) ? throw Fault(path, "is required") : value;

        private T Enum<T>(string? value, string path) where T : struct, System.Enum =>
            System.Enum.TryParse<T>(Required(value, path), ignoreCase: false, out var parsed) && System.Enum.IsDefined(parsed) && !value!.Any(char.IsDigit)
                ? parsed
                : throw Fault(path, $"unknown {Words(typeof(T).Name)} \"{value}\"; expected one of {string.Join(", ", System.Enum.GetNames<T>())}");

        private Timescale TimescaleOf(string? value, string path) =>
            Timescale.TryParse(Required(value, path), out var timescale, out var error) ? timescale : throw Fault(path, error);

        private static string Words(string pascal) =>
            string.Concat(pascal.Select((c, i) => i > 0 && char.IsUpper(c) ? " " + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));

        public PolicyProfile Profile(ProfileFile dto)
        {
            var id = Required(dto.Id, "$.id");
            var name = Required(dto.Name, "$.name");
            var shortName = Required(dto.ShortName, "$.shortName");
            var source = Required(dto.Source, "$.source");

            var agencyTypes = dto.AgencyTypes is null
                ? System.Enum.GetValues<AgencyType>()
                : dto.AgencyTypes.Select((t, i) => Enum<AgencyType>(t, $"$.agencyTypes[{i}]")).Distinct().ToArray();
            if (agencyTypes.Length == 0)
                throw Fault("$.agencyTypes", "must name at least one agency type");

            if (dto.Stages is not { Count: > 0 })
                throw Fault("$.stages", "must list at least one stage");
            var stages = dto.Stages.Select((s, i) => Stage(s, i, agencyTypes)).ToArray();

            var entries = (dto.Entries ?? []).Select((e, i) =>
            {
                var path = $"$.entries[{i}]";
                var area = Enum<AreaOfDisagreement>(e.Area, path + ".area");
                var stage = e.Stage ?? throw Fault(path + ".stage", "is required");
                if (stage < 1 || stage > stages.Length)
                    throw Fault(path + ".stage", $"stage {stage} does not exist: stages are 1..{stages.Length}");
                return new SpecialEntry(area, stage);
            }).ToArray();
            var repeated = entries.GroupBy(e => e.Area).FirstOrDefault(g => g.Count() > 1);
            if (repeated is not null)
                throw Fault("$.entries", $"area {repeated.Key} has more than one entry stage");

            var harmRules = (dto.HarmRules ?? []).Select((h, i) =>
            {
                var path = $"$.harmRules[{i}]";
                var harm = Enum<HarmLevel>(h.Harm, path + ".harm");
                if (harm == HarmLevel.Standard)
                    throw Fault(path + ".harm", "Standard follows the procedure's own timescales and takes no protective rule");
                return new HarmRule(harm, TimescaleOf(h.Timescale, path + ".timescale"), Required(h.Text, path + ".text"));
            }).ToArray();
            var missingHarm = new[] { HarmLevel.SignificantHarm, HarmLevel.ImminentHarm }.FirstOrDefault(h => harmRules.All(r => r.Harm != h), HarmLevel.Standard);
            if (missingHarm != HarmLevel.Standard)
                throw Fault("$.harmRules", $"must give a protective timescale for {missingHarm}");

            HarmRule? nai = null;
            if (dto.InfantNonAccidentalInjury is { } naiDto)
                nai = new HarmRule(HarmLevel.ImminentHarm,
                    TimescaleOf(naiDto.Timescale, "$.infantNonAccidentalInjury.timescale"),
                    Required(naiDto.Text, "$.infantNonAccidentalInjury.text"));

            if (dto.FinalOutcomes is not { Count: > 0 })
                throw Fault("$.finalOutcomes", "must list at least one final-stage outcome");
            var outcomes = dto.FinalOutcomes.Select((o, i) => Enum<FinalOutcome>(o, $"$.finalOutcomes[{i}]")).Distinct().ToArray();

            var informed = (dto.InformedParties ?? []).Select((p, i) =>
            {
                var path = $"$.informedParties[{i}]";
                var role = Required(p.Role, path + ".role");
                if (stages.All(st => !st.MustInform.Contains(role)))
                    throw Fault(path + ".role", $"\"{role}\" is in no stage's mustInform");
                var agency = p.Agency switch
                {
                    "raiser" => InformedAgency.Raiser,
                    "local-authority" => InformedAgency.LocalAuthority,
                    _ => throw Fault(path + ".agency", $"unknown agency \"{p.Agency}\"; expected \"raiser\" or \"local-authority\""),
                };
                return new InformedParty(role, p.Title ?? role, agency);
            }).ToArray();
            var twice = informed.GroupBy(p => p.Role).FirstOrDefault(g => g.Count() > 1);
            if (twice is not null)
                throw Fault("$.informedParties", $"role \"{twice.Key}\" is listed more than once");

            var refused = (dto.RefusedAreas ?? []).Select((r, i) => new RefusedArea(
                Enum<AreaOfDisagreement>(r.Area, $"$.refusedAreas[{i}].area"), Required(r.Reason, $"$.refusedAreas[{i}].reason"))).ToArray();
            var both = refused.FirstOrDefault(r => entries.Any(e => e.Area == r.Area));
            if (both is not null)
                throw Fault("$.refusedAreas", $"area {both.Area} is both refused and given an entry stage");

            return new PolicyProfile(id, name, shortName, source, agencyTypes, stages, entries, harmRules, nai, outcomes,
                Required(dto.OutcomesReportedTo, "$.outcomesReportedTo"),
                Required(dto.LearningReportedTo, "$.learningReportedTo"),
                dto.Note) { InformedParties = informed, EscalationRecord = RecordTemplate(dto.EscalationRecord, stages.Length),
                    RefusedAreas = refused };
        }

        private EscalationRecordTemplate? RecordTemplate(EscalationRecordFile? file, int stageCount)
        {
            if (file is null) return null;
            var levels = (file.Levels ?? []).Select((l, i) => Required(l, $"$.escalationRecord.levels[{i}]")).ToArray();
            if (levels.Length < stageCount)
                throw Fault("$.escalationRecord.levels", $"must list a level for each of the {stageCount} stages (and may list more)");
            return new EscalationRecordTemplate(Required(file.Title, "$.escalationRecord.title"), Required(file.Source, "$.escalationRecord.source"), levels);
        }

        private Stage Stage(StageFile s, int index, AgencyType[] agencyTypes)
        {
            var path = $"$.stages[{index}]";
            var number = s.Number ?? throw Fault(path + ".number", "is required");
            if (number != index + 1)
                throw Fault(path + ".number", $"stage numbers must run 1..n in order: expected {index + 1}, found {number}");
            var name = Required(s.Name, path + ".name");

            StageStep[] steps;
            if (s.Steps is { Count: > 0 })
            {
                if (s.WhoMeets is not null || s.Timescale is not null || s.ExpectedRoles is not null || s.TimescaleIs is not null)
                    throw Fault(path, "give either steps or whoMeets/timescale/expectedRoles, not both");
                steps = s.Steps.Select((st, j) => Step(st, $"{path}.steps[{j}]", number, agencyTypes)).ToArray();
            }
            else
            {
                steps = [Step(new StepFile
                {
                    WhoMeets = s.WhoMeets, Timescale = s.Timescale, TimescaleText = s.TimescaleText,
                    ClockFrom = s.ClockFrom, ExpectedRoles = s.ExpectedRoles, TimescaleIs = s.TimescaleIs,
                }, path, number, agencyTypes)];
            }

            var mustInform = (s.MustInform ?? []).Select((m, j) => Required(m, $"{path}.mustInform[{j}]")).ToArray();
            var requires = (s.CloseRequires ?? []).Select((r, j) => r switch
            {
                "record" => CloseRequirement.Record,
                "meeting" => CloseRequirement.Meeting,
                "record-signed-by-all-parties" => CloseRequirement.RecordSignedByAllParties,
                "record-approved-and-dated" => CloseRequirement.RecordApprovedAndDated,
                "agreed-outcome-confirmed-by-all-parties" => CloseRequirement.AgreedOutcomeConfirmedByAllParties,
                _ => throw Fault($"{path}.closeRequires[{j}]", $"unknown requirement \"{r}\"; expected \"record\", \"meeting\", \"record-signed-by-all-parties\", \"record-approved-and-dated\" or \"agreed-outcome-confirmed-by-all-parties\""),
            }).Distinct().ToArray();
            return new Stage(number, name, steps, mustInform, requires);
        }

        private StageStep Step(StepFile s, string path, int stageNumber, AgencyType[] agencyTypes)
        {
            var whoMeets = Required(s.WhoMeets, path + ".whoMeets");
            var timescale = TimescaleOf(s.Timescale, path + ".timescale");
            var clockFrom = s.ClockFrom switch
            {
                null or "stage-entered" => ClockStart.StageEntered,
                "written-concern" => ClockStart.WrittenConcern,
                "previous-stage-meeting" when stageNumber > 1 => ClockStart.PreviousStageMeeting,
                "previous-stage-meeting" => throw Fault(path + ".clockFrom", "stage 1 has no previous stage"),
                _ => throw Fault(path + ".clockFrom", $"unknown clock start \"{s.ClockFrom}\"; expected \"stage-entered\", \"written-concern\" or \"previous-stage-meeting\""),
            };

            if (s.ExpectedRoles is null)
                throw Fault(path + ".expectedRoles", "is required");
            var roles = new Dictionary<AgencyType, string>();
            foreach (var (key, role) in s.ExpectedRoles)
            {
                var type = Enum<AgencyType>(key, $"{path}.expectedRoles.{key}");
                if (!agencyTypes.Contains(type))
                    throw Fault($"{path}.expectedRoles.{key}", $"agency type {type} is not among the profile's agencyTypes");
                roles[type] = Required(role, $"{path}.expectedRoles.{key}");
            }

            var missing = agencyTypes.Where(t => !roles.ContainsKey(t)).ToArray();
            if (missing.Length > 0)
                throw Fault(path + ".expectedRoles", $"no role given for {string.Join(", ", missing)}");

            var referralOnly = s.TimescaleIs switch
            {
                null or "resolution" => false,
                "referral" => true,
                _ => throw Fault(path + ".timescaleIs", $"unknown kind of timescale \"{s.TimescaleIs}\"; expected \"resolution\" or \"referral\""),
            };
            if (referralOnly && timescale.Kind == TimescaleKind.None)
                throw Fault(path + ".timescaleIs", "a referral timescale needs a timescale other than \"none\"");

            return new StageStep(whoMeets, timescale, s.TimescaleText ?? timescale.Describe(), clockFrom, roles, referralOnly);
        }
    }

    // The file shape: every field nullable so that a missing one is reported by name, not as a null reference.
    private sealed class ProfileFile
    {
        public string? Id { get; set; }
        public string? Name { get; set; }
        public string? ShortName { get; set; }
        public string? Source { get; set; }
        public string? Note { get; set; }
        public List<string>? AgencyTypes { get; set; }
        public List<StageFile>? Stages { get; set; }
        public List<EntryFile>? Entries { get; set; }
        public List<HarmRuleFile>? HarmRules { get; set; }
        public HarmRuleFile? InfantNonAccidentalInjury { get; set; }
        public List<string>? FinalOutcomes { get; set; }
        public string? OutcomesReportedTo { get; set; }
        public string? LearningReportedTo { get; set; }
        public List<InformedPartyFile>? InformedParties { get; set; }
        public EscalationRecordFile? EscalationRecord { get; set; }
        public List<RefusedAreaFile>? RefusedAreas { get; set; }
    }

    private sealed class RefusedAreaFile
    {
        public string? Area { get; set; }
        public string? Reason { get; set; }
    }

    private sealed class EscalationRecordFile
    {
        public string? Title { get; set; }
        public string? Source { get; set; }
        public List<string>? Levels { get; set; }
    }

    private sealed class InformedPartyFile
    {
        public string? Role { get; set; }
        public string? Title { get; set; }
        public string? Agency { get; set; }
    }

    private sealed class StageFile
    {
        public int? Number { get; set; }
        public string? Name { get; set; }
        public string? WhoMeets { get; set; }
        public string? Timescale { get; set; }
        public string? TimescaleText { get; set; }
        public string? ClockFrom { get; set; }
        public string? TimescaleIs { get; set; }
        public Dictionary<string, string>? ExpectedRoles { get; set; }
        public List<StepFile>? Steps { get; set; }
        public List<string>? MustInform { get; set; }
        public List<string>? CloseRequires { get; set; }
    }

    private sealed class StepFile
    {
        public string? WhoMeets { get; set; }
        public string? Timescale { get; set; }
        public string? TimescaleText { get; set; }
        public string? ClockFrom { get; set; }
        public string? TimescaleIs { get; set; }
        public Dictionary<string, string>? ExpectedRoles { get; set; }
    }

    private sealed class EntryFile
    {
        public string? Area { get; set; }
        public int? Stage { get; set; }
    }

    private sealed class HarmRuleFile
    {
        public string? Harm { get; set; }
        public string? Timescale { get; set; }
        public string? Text { get; set; }
    }
}
