using EscalationHub.Adapters.Health.Hl7;
using EscalationHub.Adapters.Health.Referrals;
using EscalationHub.Adapters.Tests.Infrastructure;
using EscalationHub.Contracts.Messages;

namespace EscalationHub.Adapters.Tests.Hl7;

public class Hl7ReferralMapperTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);

    private static readonly HealthSettings Settings = new()
    {
        LocalAuthorities = { ["LE"] = "leics-socialcare", ["NG"] = "notts-socialcare" },
        DefaultLocalAuthority = "leics-socialcare",
    };

    private static Hl7Referral Map(string sample, HealthSettings? settings = null) =>
        Hl7ReferralMapper.Map(Hl7Parser.Parse(Samples.Hl7(sample)), "uhl-health", settings ?? Settings, Now);

    [Fact]
    public void A_full_ICE_referral_becomes_a_concern_for_the_local_authority_of_the_childs_home()
    {
        var referral = Map("ref-i12-ice-nai.hl7");

        var concern = Assert.IsType<RaiseConcern>(referral.Concern);
        Assert.Equal("hl7:RWE:ICE00044719", concern.IdempotencyKey);
        Assert.Equal(new ChildDetails("4857773457", "Maisie", "O'Brien-Walsh", new DateOnly(2024, 3, 14)), concern.Child);
        Assert.Equal(new ActorRef("uhl-health", "Paediatric registrar, Children's ED"), concern.RaisedBy);
        Assert.Equal("leics-socialcare", concern.AddressedToAgencyCode);
        Assert.Equal(ConcernCategory.NonAccidentalInjury, concern.Category);
        Assert.Equal(HarmLevel.SignificantHarm, concern.HarmLevel);
        Assert.Equal(
            "Suspected non-accidental injury\nInjury, unspecified\nDiagnosis: Bruising to both upper arms, fingertip pattern\n" +
            "Examination findings: Four oval bruises 1cm on each upper arm\nPattern consistent with gripping\n" +
            "Explanation given: Mother says fell from sofa | caught by sibling\n" +
            "Sibling (age 4) known to children's social care (CP plan 2025). Child seen with mother; discharge on hold pending strategy discussion.",
            concern.Details);
    }

    [Fact]
    public void A_minimal_referral_with_LF_line_ends_and_no_PRD_or_NTE_is_accepted()
    {
        var concern = Assert.IsType<RaiseConcern>(Map("ref-i12-minimal-lf.hl7").Concern);

        Assert.Equal("4010232137", concern.Child.NhsNumber);
        Assert.Equal(Hl7ReferralMapper.DefaultRole, concern.RaisedBy.Role);
        Assert.Equal(ConcernCategory.Neglect, concern.Category);
        Assert.Equal(HarmLevel.Standard, concern.HarmLevel);
        Assert.Equal("Repeated missed appointments, weight below 2nd centile", concern.Details);
    }

    [Fact]
    public void Hex_escapes_CRLF_v27_delimiters_null_identifiers_and_uncoded_reasons_are_handled()
    {
        var referral = Map("ref-i12-crlf-v27.hl7");
        Assert.Empty(referral.Errors.Select(e => $"{e.Location}: {e.Message}"));
        var concern = Assert.IsType<RaiseConcern>(referral.Concern);

        Assert.Equal(new ChildDetails("9123456787", "Zoë", "Renée", new DateOnly(2015, 7, 9)), concern.Child);
        Assert.Equal(HarmLevel.ImminentHarm, concern.HarmLevel);
        Assert.Equal(ConcernCategory.Other, concern.Category); // SNOMED CT 397940009, a general concept: Other in the documented table
        Assert.Equal("Named Nurse for Safeguarding Children", concern.RaisedBy.Role);
        Assert.Equal("leics-socialcare", concern.AddressedToAgencyCode); // no postcode: the default authority
        Assert.Contains("Disclosure: Said her stepfather hurts her\nFrightened to go home", concern.Details);
    }

    [Fact]
    public void The_postcode_area_picks_the_local_authority()
    {
        var text = Samples.Hl7("ref-i12-minimal-lf.hl7").Replace("LE2 7AB", "NG7 2UH");
        var concern = Hl7ReferralMapper.Map(Hl7Parser.Parse(text), "uhl-health", Settings, Now).Concern!;

        Assert.Equal("notts-socialcare", concern.AddressedToAgencyCode);
    }

    [Fact]
    public void A_postcode_with_no_authority_and_no_default_is_an_error_at_PID_11_5()
    {
        var referral = Map("ref-i12-minimal-lf.hl7", new HealthSettings { DefaultLocalAuthority = "" });

        var error = Assert.Single(referral.Errors);
        Assert.Equal("PID-11.5", error.Location.ToString());
        Assert.Equal(Hl7Error.TableValueNotFound, error.Code);
    }

    [Fact]
    public void A_bad_NHS_check_digit_is_an_error_naming_PID_3_and_its_repetition()
    {
        var referral = Map("ref-i12-bad-nhs-number.hl7");

        Assert.Null(referral.Concern);
        Assert.Equal(AckCode.AE, referral.Code);
        var error = Assert.Single(referral.Errors);
        Assert.Equal(new Hl7Location("PID", 1, 3, 2, 1), error.Location);
        Assert.Equal(Hl7Error.DataTypeError, error.Code);
        Assert.Contains("modulus 11", error.Message);
    }

    [Fact]
    public void A_referral_without_PID_is_an_error_naming_the_segment()
    {
        var referral = Map("ref-i12-no-pid.hl7");

        Assert.Equal(AckCode.AE, referral.Code);
        var error = Assert.Single(referral.Errors);
        Assert.Equal("PID", error.Location.ToString());
        Assert.Equal(Hl7Error.SegmentSequenceError, error.Code);
    }

    [Fact]
    public void Another_message_type_is_rejected()
    {
        var referral = Map("adt-a01-wrong-type.hl7");

        Assert.Equal(AckCode.AR, referral.Code);
        Assert.Equal(Hl7Error.UnsupportedMessageType, Assert.Single(referral.Errors).Code);
    }

    [Theory]
    [InlineData("PID|1||4010232137^^^NHS^NH||^Oliver||20200102", "PID-5.1", Hl7Error.RequiredFieldMissing)]
    [InlineData("PID|1||4010232137^^^NHS^NH||Testchild^Oliver||2020-01-02", "PID-7", Hl7Error.DataTypeError)]
    [InlineData("PID|1||4010232137^^^NHS^NH||Testchild^Oliver||20991231", "PID-7", Hl7Error.DataTypeError)]
    [InlineData("PID|1||4010232137^^^NHS^NH~4857773457^^^NHS^NH||Testchild^Oliver||20200102", "PID-3(2).1", Hl7Error.DataTypeError)]
    public void Each_bad_PID_field_is_named(string pid, string location, int code)
    {
        var text = $"MSH|^~\\&|ICE|RWE|EH|LEICS|20261125||REF^I12|C1|P|2.4\rRF1||R|SG||||20261125|||NEGL^Neglect^EHSG\r{pid}\r";

        var error = Assert.Single(Hl7ReferralMapper.Map(Hl7Parser.Parse(text), "uhl-health", Settings, Now).Errors);
        Assert.Equal((location, code), (error.Location.ToString(), error.Code));
    }

    [Theory]
    [InlineData("RF1||X|SG||||20261125|||NEGL^Neglect^EHSG", "RF1-2.1")]
    [InlineData("RF1||R|SG||||20261125|||BULLY^Bullying^EHSG", "RF1-10.1")]
    [InlineData("RF1||R|SG||||20261125|||", "RF1-10")]
    public void Each_bad_RF1_field_is_named(string rf1, string location)
    {
        var text = $"MSH|^~\\&|ICE|RWE|EH|LEICS|20261125||REF^I12|C1|P|2.4\r{rf1}\rPID|1||4010232137^^^NHS^NH||Testchild^Oliver||20200102\rNTE|1||details\r";

        var errors = Hl7ReferralMapper.Map(Hl7Parser.Parse(text), "uhl-health", Settings, Now).Errors;
        Assert.Contains(location, errors.Select(e => e.Location.ToString()));
    }

    private static Hl7Referral WithReason(string reason) => Hl7ReferralMapper.Map(Hl7Parser.Parse(
        $"MSH|^~\\&|ICE|RWE|EH|LEICS|20261125||REF^I12|C1|P|2.4\rRF1||R|SG||||20261125|||{reason}\rPID|1||4010232137^^^NHS^NH||Testchild^Oliver||20200102\rNTE|1||details\r"),
        "uhl-health", Settings, Now);

    [Theory]
    [InlineData("371775004^Emotional abuse of child^SCT", ConcernCategory.EmotionalAbuse)]
    [InlineData("919461000000108^At risk of sexual exploitation^SCT", ConcernCategory.SexualExploitation)]
    [InlineData("T74.1^Physical abuse, confirmed^I10~1188261000000103^At risk of criminal exploitation^SCT", ConcernCategory.CriminalExploitation)]
    public void A_reason_coded_only_in_SNOMED_CT_takes_its_category_from_the_documented_table(string reason, ConcernCategory category)
    {
        Assert.Equal(category, Assert.IsType<RaiseConcern>(WithReason(reason).Concern).Category);
    }

    [Fact]
    public void A_reason_coded_only_in_SNOMED_CT_with_a_concept_not_in_the_table_is_refused_AE_at_that_repetition_never_filed_as_Other()
    {
        var referral = WithReason("T74.1^Physical abuse, confirmed^I10~225337009^Suicide risk assessment^SCT");

        Assert.Null(referral.Concern);
        Assert.Equal(AckCode.AE, referral.Code);
        var error = Assert.Single(referral.Errors);
        Assert.Equal(("RF1-10(2).1", Hl7Error.TableValueNotFound), (error.Location.ToString(), error.Code));
        Assert.Contains("225337009", error.Message);
    }

    [Fact]
    public void A_reason_coded_in_EHSG_wins_over_a_SNOMED_CT_coding_beside_it_and_one_coded_in_neither_is_Other()
    {
        Assert.Equal(ConcernCategory.Neglect, WithReason("225337009^Suicide risk assessment^SCT~NEGL^Neglect^EHSG").Concern!.Category);
        Assert.Equal(ConcernCategory.Other, WithReason("T74.1^Physical abuse, confirmed^I10").Concern!.Category);
        Assert.Equal(ConcernCategory.Other, WithReason("^Worried about home conditions").Concern!.Category);
    }

    [Fact]
    public void The_same_message_gives_the_same_idempotency_key_and_another_message_another()
    {
        var first = Map("ref-i12-ice-nai.hl7").Concern!;
        var again = Map("ref-i12-ice-nai.hl7").Concern!;
        var other = Hl7ReferralMapper.Map(Hl7Parser.Parse(Samples.Hl7("ref-i12-ice-nai.hl7").Replace("ICE00044719", "ICE00044799")), "uhl-health", Settings, Now).Concern!;

        Assert.Equal(first.IdempotencyKey, again.IdempotencyKey);
        Assert.NotEqual(first.IdempotencyKey, other.IdempotencyKey);
    }
}
