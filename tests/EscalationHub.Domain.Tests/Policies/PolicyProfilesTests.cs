using EscalationHub.Domain.Calendar;
using EscalationHub.Domain.Policies;

namespace EscalationHub.Domain.Tests.Policies;

public class PolicyProfilesTests
{
    private static readonly PolicyProfiles Embedded = PolicyProfiles.LoadEmbedded();

    private static string EmbeddedJson(string id)
    {
        using var stream = typeof(PolicyProfiles).Assembly.GetManifestResourceStream($"EscalationHub.Domain.Policies.Profiles.{id}.json")!;
        return new StreamReader(stream).ReadToEnd();
    }

    private static PolicyProfileException Refusal(string json) =>
        Assert.Throws<PolicyProfileException>(() => PolicyProfiles.Parse("broken.json", json));

    [Fact]
    public void The_five_source_procedures_are_embedded() => Assert.Equal(
        ["berkshire-v17", "cambridgeshire-2013", "leicester-uhl-11", "london-pa4-kingston-richmond", "north-wales-2014"],
        Embedded.All.Select(p => p.Id).Order());

    [Theory]
    [InlineData("leicester-uhl-11", 3)]
    [InlineData("berkshire-v17", 4)]
    [InlineData("london-pa4-kingston-richmond", 5)]
    [InlineData("cambridgeshire-2013", 5)]
    [InlineData("north-wales-2014", 5)]
    public void Each_profile_has_the_stages_of_its_source(string id, int stages) =>
        Assert.Equal(Enumerable.Range(1, stages), Embedded[id].Stages.Select(s => s.Number));

    [Fact]
    public void North_Wales_runs_10_working_days_per_stage_for_three_stages_with_clocks_from_the_written_concern_and_the_stage_1_meeting()
    {
        var nw = Embedded["north-wales-2014"];
        Assert.All(nw.Stages.Take(3), s => Assert.Equal(Timescale.WorkingDays(10), s.Steps.Single().Timescale));
        Assert.Equal([ClockStart.WrittenConcern, ClockStart.PreviousStageMeeting, ClockStart.StageEntered],
            nw.Stages.Take(3).Select(s => s.Steps.Single().ClockFrom));
        Assert.Equal([CloseRequirement.Meeting, CloseRequirement.RecordSignedByAllParties], nw.Stages[0].CloseRequires);
        Assert.Contains("CP co-ordinator", nw.Stages[2].MustInform);
        Assert.Equal(3, nw.EntryStageFor(AreaOfDisagreement.ChildProtectionConferenceDecision));
        Assert.Equal(1, nw.EntryStageFor(AreaOfDisagreement.ReferralBelowThreshold));
        Assert.Equal([FinalOutcome.Mediation, FinalOutcome.CaseFileAudit], nw.FinalOutcomes);
    }

    [Fact]
    public void Leicester_keeps_the_Safeguarding_Children_Case_Escalation_template_with_levels_beyond_stage_3_up_to_the_Service_Manager()
    {
        var template = Embedded["leicester-uhl-11"].EscalationRecord!;
        Assert.Equal("Safeguarding Children Case Escalation", template.Title);
        Assert.Contains("Appendix 1", template.Source);
        Assert.Equal(5, template.Levels.Count);
        Assert.StartsWith("Named Doctor / Named Nurse and Matron", template.Levels[2]);
        Assert.StartsWith("Service Manager", template.Levels[^1]);
        Assert.All(Embedded.All.Where(p => p.Id != "leicester-uhl-11"), p => Assert.Null(p.EscalationRecord));
    }

    [Fact]
    public void Berkshire_stage_1_is_practitioners_within_a_working_day_then_line_managers_within_24_hours()
    {
        var berkshire = Embedded["berkshire-v17"];
        Assert.Equal([Timescale.WorkingDays(1), Timescale.Hours(24)], berkshire.Stages[0].Steps.Select(s => s.Timescale));
        Assert.Equal([Timescale.Hours(24), Timescale.Hours(24), Timescale.Hours(48)], berkshire.Stages.Skip(1).Select(s => s.Steps.Single().Timescale));
    }

    [Fact]
    public void London_is_a_working_week_a_further_working_week_then_referred_without_delay_and_referred_urgently()
    {
        var steps = Embedded["london-pa4-kingston-richmond"].Stages.Select(s => s.Steps.Single()).ToArray();
        Assert.Equal([Timescale.WorkingWeek, Timescale.WorkingWeek, Timescale.SameWorkingDay, Timescale.SameWorkingDay, Timescale.None],
            steps.Select(s => s.Timescale));
        // Stages 3 and 4 say how fast the case is referred upwards, not by when it is resolved.
        Assert.Equal([false, false, true, true, false], steps.Select(s => s.ReferralOnly));
    }

    [Fact]
    public void An_unknown_kind_of_timescale_is_refused()
    {
        var e = Refusal(EmbeddedJson("london-pa4-kingston-richmond").Replace("\"timescaleIs\": \"referral\"", "\"timescaleIs\": \"advisory\""));
        Assert.Equal("$.stages[2].timescaleIs", e.JsonPath);
        Assert.Contains("expected \"resolution\" or \"referral\"", e.Problem);
    }

    [Fact]
    public void An_area_both_refused_and_given_an_entry_stage_is_refused()
    {
        var e = Refusal(EmbeddedJson("london-pa4-kingston-richmond").Replace("\"entries\": [],",
            "\"entries\": [ { \"area\": \"ChildProtectionConferenceDecision\", \"stage\": 3 } ],"));
        Assert.Equal("$.refusedAreas", e.JsonPath);
    }

    [Fact]
    public void A_refused_area_needs_a_reason_in_words() =>
        Assert.Equal("$.refusedAreas[0].reason", Refusal(System.Text.RegularExpressions.Regex.Replace(
            EmbeddedJson("london-pa4-kingston-richmond"), "\"reason\": \"[^\"]*\"", "\"reason\": \" \"")).JsonPath);

    [Fact]
    public void Cambridgeshire_has_designated_leads_immediately_and_an_infant_NAI_rule()
    {
        var cambs = Embedded["cambridgeshire-2013"];
        Assert.Equal(Timescale.Immediately, cambs.Stages[2].Steps.Single().Timescale);
        Assert.Equal(Timescale.Immediately, cambs.InfantNonAccidentalInjury!.Timescale);
        Assert.Contains("LSCB independent chair", cambs.Stages[4].MustInform);
    }

    [Fact]
    public void Leicester_is_internal_to_the_hospital_and_hands_inter_agency_disputes_to_the_partnership()
    {
        var leicester = Embedded["leicester-uhl-11"];
        Assert.Equal([AgencyType.Health], leicester.AgencyTypes);
        Assert.All(leicester.Stages, s => Assert.Equal(TimescaleKind.None, s.Steps.Single().Timescale.Kind));
        Assert.Equal([FinalOutcome.ReferredToPartnership], leicester.FinalOutcomes);
    }

    [Fact]
    public void Only_Cambridgeshire_has_an_infant_NAI_rule() =>
        Assert.Equal(["cambridgeshire-2013"], Embedded.All.Where(p => p.InfantNonAccidentalInjury is not null).Select(p => p.Id));

    [Fact]
    public void Every_profile_protects_significant_harm_the_same_working_day_and_imminent_harm_immediately() =>
        Assert.All(Embedded.All, p =>
        {
            Assert.Equal(Timescale.SameWorkingDay, p.HarmRules.Single(r => r.Harm == HarmLevel.SignificantHarm).Timescale);
            Assert.Equal(Timescale.Immediately, p.HarmRules.Single(r => r.Harm == HarmLevel.ImminentHarm).Timescale);
        });

    public static TheoryData<AgencyType, string[]> Ladders => new()
    {
        { AgencyType.Police, ["DC", "DS", "DI", "DCI", "Det Supt"] },
        { AgencyType.Education, ["staff member", "designated safeguarding lead", "head teacher", "education safeguarding manager"] },
        { AgencyType.SocialCare, ["social worker", "team manager", "consultant social worker", "group manager", "service manager", "head of service", "service director"] },
        { AgencyType.Health, ["practitioner", "named nurse/doctor", "designated nurse/doctor", "chief nurse"] },
    };

    [Theory]
    [MemberData(nameof(Ladders))]
    public void Expected_roles_climb_the_agency_ladder_never_down(AgencyType type, string[] ladder)
    {
        foreach (var profile in Embedded.All.Where(p => p.AgencyTypes.Contains(type) && p.Id != "leicester-uhl-11"))
        {
            var rungs = profile.Stages.SelectMany(s => s.Steps).Select(s => Array.IndexOf(ladder, s.ExpectedRoles[type])).ToArray();
            Assert.DoesNotContain(-1, rungs);
            Assert.True(rungs.Zip(rungs.Skip(1)).All(p => p.First <= p.Second), $"{profile.Id} {type}: {string.Join(",", rungs)}");
        }
    }

    [Fact]
    public void Adding_a_partnership_is_adding_a_file()
    {
        var dir = Directory.CreateTempSubdirectory("profiles");
        try
        {
            File.WriteAllText(Path.Combine(dir.FullName, "north-wales-2014.json"), EmbeddedJson("north-wales-2014"));
            File.WriteAllText(Path.Combine(dir.FullName, "elsewhere.json"),
                EmbeddedJson("north-wales-2014").Replace("\"north-wales-2014\"", "\"elsewhere-2030\"").Replace("\"North Wales\"", "\"Elsewhere\""));
            var loaded = PolicyProfiles.Load(dir.FullName);
            Assert.Equal(["elsewhere-2030", "north-wales-2014"], loaded.All.Select(p => p.Id).Order());
            Assert.Equal("Elsewhere", loaded["elsewhere-2030"].ShortName);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void Loading_a_directory_names_the_bad_file()
    {
        var dir = Directory.CreateTempSubdirectory("profiles");
        try
        {
            File.WriteAllText(Path.Combine(dir.FullName, "good.json"), EmbeddedJson("berkshire-v17"));
            File.WriteAllText(Path.Combine(dir.FullName, "bad.json"), EmbeddedJson("berkshire-v17").Replace("\"48h\"", "\"2 days\""));
            var e = Assert.Throws<PolicyProfileException>(() => PolicyProfiles.Load(dir.FullName));
            Assert.Equal("bad.json", e.File);
            Assert.Equal("$.stages[3].timescale", e.JsonPath);
            Assert.Contains("unknown timescale \"2 days\"", e.Message);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void An_unknown_timescale_is_refused_at_its_path() =>
        Assert.Equal("$.stages[0].timescale", Refusal(EmbeddedJson("north-wales-2014").Replace("\"10wd\"", "\"ten days\"")).JsonPath);

    [Fact]
    public void An_informed_party_whom_no_stage_names_or_of_an_unknown_agency_is_refused_at_its_path()
    {
        Assert.Equal("$.informedParties[0].role",
            Refusal(EmbeddedJson("north-wales-2014").Replace("\"role\": \"line manager\"", "\"role\": \"head teacher\"")).JsonPath);
        Assert.Equal("$.informedParties[1].agency",
            Refusal(EmbeddedJson("north-wales-2014").Replace("\"agency\": \"local-authority\"", "\"agency\": \"county\"")).JsonPath);
    }

    [Fact]
    public void An_escalation_record_template_with_fewer_levels_than_stages_is_refused() =>
        Assert.Equal("$.escalationRecord.levels",
            Refusal(System.Text.RegularExpressions.Regex.Replace(EmbeddedJson("leicester-uhl-11"), "\"levels\": \\[[^\\]]*\\]", "\"levels\": [\"Practitioner to practitioner\"]")).JsonPath);

    [Fact]
    public void An_unknown_timescale_inside_a_step_is_refused_at_its_path() =>
        Assert.Equal("$.stages[0].steps[1].timescale", Refusal(EmbeddedJson("berkshire-v17").Replace("\"24h\"", "\"a day\"")).JsonPath);

    [Fact]
    public void Missing_stages_are_refused()
    {
        var e = Refusal("""{ "id": "x", "name": "X", "shortName": "X", "source": "s" }""");
        Assert.Equal("$.stages", e.JsonPath);
        Assert.Contains("broken.json", e.Message);
    }

    [Fact]
    public void Stage_numbers_must_run_1_to_n()
    {
        var e = Refusal(EmbeddedJson("north-wales-2014").Replace("\"number\": 3", "\"number\": 4"));
        Assert.Equal("$.stages[2].number", e.JsonPath);
        Assert.Contains("expected 3, found 4", e.Message);
    }

    [Fact]
    public void An_unknown_agency_type_is_refused() =>
        Assert.Equal("$.stages[1].expectedRoles.Fire",
            Refusal(EmbeddedJson("north-wales-2014").Replace("\"Police\": \"DS\"", "\"Fire\": \"watch manager\"")).JsonPath);

    [Fact]
    public void A_stage_without_a_role_for_one_of_the_agency_types_is_refused()
    {
        var e = Refusal(EmbeddedJson("north-wales-2014").Replace("\"Police\": \"DS\", ", ""));
        Assert.Equal("$.stages[1].expectedRoles", e.JsonPath);
        Assert.Contains("Police", e.Problem);
    }

    [Fact]
    public void An_unknown_area_is_refused()
    {
        var e = Refusal(EmbeddedJson("north-wales-2014").Replace("\"ChildProtectionConferenceDecision\"", "\"ParkingDispute\""));
        Assert.Equal("$.entries[0].area", e.JsonPath);
        Assert.Contains("unknown area of disagreement \"ParkingDispute\"", e.Problem);
    }

    [Fact]
    public void An_entry_to_a_stage_that_does_not_exist_is_refused() =>
        Assert.Equal("$.entries[0].stage", Refusal(EmbeddedJson("north-wales-2014").Replace("\"stage\": 3", "\"stage\": 9")).JsonPath);

    [Fact]
    public void An_unknown_final_outcome_is_refused() =>
        Assert.Equal("$.finalOutcomes[1]", Refusal(EmbeddedJson("north-wales-2014").Replace("\"CaseFileAudit\"", "\"Arbitration\"")).JsonPath);

    [Fact]
    public void An_unknown_close_requirement_is_refused() =>
        Assert.Equal("$.stages[0].closeRequires[1]",
            Refusal(EmbeddedJson("north-wales-2014").Replace("\"record-signed-by-all-parties\"", "\"signed\"")).JsonPath);

    [Fact]
    public void A_misspelt_field_is_refused_rather_than_ignored()
    {
        var e = Refusal(EmbeddedJson("north-wales-2014").Replace("\"mustInform\": [\"CP co-ordinator\"],", "\"mustinform\": [\"CP co-ordinator\"],"));
        Assert.Contains("mustinform", e.Message);
    }

    [Fact]
    public void Malformed_JSON_is_refused_with_its_position()
    {
        var e = Refusal("""{ "id": "x", "stages": [ { "number": "one" } ] }""");
        Assert.Equal("$.stages[0].number", e.JsonPath);
        Assert.Contains("malformed JSON", e.Problem);
    }

    [Fact]
    public void A_profile_without_a_protective_rule_for_imminent_harm_is_refused() =>
        Assert.Contains("ImminentHarm", Refusal(EmbeddedJson("london-pa4-kingston-richmond")
            .Replace("""{ "harm": "ImminentHarm", "timescale": "immediately", "text": "imminent harm: immediately" }""", "")
            .Replace("same working day\" },", "same working day\" }")).Problem);

    [Fact]
    public void Two_profiles_with_one_id_are_refused() =>
        Assert.Throws<ArgumentException>(() => new PolicyProfiles([Embedded["berkshire-v17"], Embedded["berkshire-v17"]]));

    [Fact]
    public void Asking_for_an_unknown_profile_lists_the_known_ones() =>
        Assert.Contains("north-wales-2014", Assert.Throws<KeyNotFoundException>(() => Embedded["atlantis"]).Message);
}
