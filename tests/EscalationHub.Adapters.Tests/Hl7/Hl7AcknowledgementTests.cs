using EscalationHub.Adapters.Health.Hl7;
using EscalationHub.Adapters.Tests.Infrastructure;

namespace EscalationHub.Adapters.Tests.Hl7;

public class Hl7AcknowledgementTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void An_ACK_carries_the_original_control_id_and_is_addressed_back_to_the_sender()
    {
        var original = Hl7Parser.Parse(Samples.Hl7("ref-i12-ice-nai.hl7"));

        var ack = Hl7Parser.Parse(Hl7Acknowledgement.Build(original, AckCode.AA, [], Now, "ACK1"));

        Assert.Equal("ACK^I12", ack.MessageType);
        Assert.Equal("ACK1", ack.ControlId);
        Assert.Equal(("ESCALATIONHUB", "LEICS-CSC", "ICE", "RWE"), (ack.Header[3].Value(), ack.Header[4].Value(), ack.Header[5].Value(), ack.Header[6].Value()));
        Assert.Equal("University Hospitals of Leicester", ack.Header[6].Value(2));
        var msa = ack.First("MSA")!;
        Assert.Equal(("AA", "ICE00044719"), (msa[1].Value(), msa[2].Value()));
        Assert.Null(ack.First("ERR"));
    }

    private static readonly Hl7Error BadNhsNumber = new(new Hl7Location("PID", 1, 3, 2, 1), Hl7Error.DataTypeError, "NHS number fails the modulus 11 check digit");
    private static readonly Hl7Error NoBirthDate = new(new Hl7Location("PID", 1, 7), Hl7Error.RequiredFieldMissing, "date of birth is required");

    private static Hl7Message Sent(string version) =>
        Hl7Parser.Parse(Samples.Hl7("ref-i12-bad-nhs-number.hl7").Replace("|ICE00044722|P|2.4", $"|ICE00044722|P|{version}"));

    [Theory]
    [InlineData("2.5")]
    [InlineData("2.5.1")]
    [InlineData("2.7")]
    public void A_NAK_in_v2_5_or_later_has_one_ERR_per_problem_in_the_v2_5_layout_naming_segment_field_repetition_and_component(string version)
    {
        var text = Hl7Acknowledgement.Build(Sent(version), AckCode.AE, [BadNhsNumber, NoBirthDate], Now, "ACK2");

        var ack = Hl7Parser.Parse(text);
        Assert.Equal(version, ack.Header[12].Value());
        Assert.Contains("\rMSA|AE|ICE00044722|", text);
        Assert.Contains("\rERR||PID^1^3^2^1|102^Data type error^HL70357|E||||NHS number fails the modulus 11 check digit\r", text);
        var errs = ack.All("ERR").ToList();
        Assert.Equal(2, errs.Count);
        Assert.All(errs, err =>
        {
            Assert.True(err[1].IsEmpty, "ERR-1 (ELD) is kept for backward compatibility only, and withdrawn in v2.7");
            Assert.Equal("PID", err[2].Value(1));                                     // ERR-2 error location (ERL)
            Assert.All(Enumerable.Range(2, 2), c => Assert.True(int.TryParse(err[2].Value(c), out _)));
            Assert.Equal("HL70357", err[3].Value(3));                                 // ERR-3 HL7 error code (CWE)
            Assert.Equal("E", err[4].Value());                                        // ERR-4 severity (table 0516)
            Assert.False(string.IsNullOrEmpty(err[8].Value()));                      // ERR-8 user message
        });
        Assert.Equal(("7", "101"), (errs[1][2].Value(3), errs[1][3].Value(1)));
    }

    [Theory]
    [InlineData("2.4")]
    [InlineData("2.3.1")]
    public void A_NAK_before_v2_5_has_one_ERR_whose_ERR_1_repeats_an_error_code_and_location_per_problem_as_that_version_defines(string version)
    {
        var text = Hl7Acknowledgement.Build(Sent(version), AckCode.AE, [BadNhsNumber, NoBirthDate], Now, "ACK2");

        var ack = Hl7Parser.Parse(text);
        Assert.Equal(version, ack.Header[12].Value());
        var err = Assert.Single(ack.All("ERR"));
        Assert.Equal(1, err.FieldCount); // ERR-2 onwards do not exist before v2.5
        Assert.Contains("\rERR|PID^1^3^102&Data type error&HL70357~PID^1^7^101&Required field missing&HL70357\r", text);
        var locations = err[1].Repetitions;
        Assert.Equal(2, locations.Count);
        Assert.All(locations, eld =>
        {
            Assert.True(eld.ComponentCount <= 4);                                     // ELD: segment ^ sequence ^ field ^ code (CE)
            Assert.True(int.TryParse(eld.Value(2), out _) && int.TryParse(eld.Value(3), out _));
            Assert.Equal("HL70357", eld.Value(4, 3));
        });
        var msa = ack.First("MSA")!;
        Assert.Equal("PID-3(2).1: NHS number fails the modulus 11 check digit; PID-7: date of birth is required"[..80], msa[3].Value());
        Assert.Equal(("102", "HL70357"), (msa[6].Value(1), msa[6].Value(3))); // MSA-6 error condition, the first problem
    }

    [Fact]
    public void A_NAK_for_an_unreadable_message_still_parses_and_has_an_empty_control_id()
    {
        var text = Hl7Acknowledgement.Build(null, AckCode.AR, [new Hl7Error(new Hl7Location("MSH"), 100, "no MSH")], Now, "ACK3");

        var ack = Hl7Parser.Parse(text);
        Assert.Equal(("AR", ""), (ack.First("MSA")![1].Value(), ack.First("MSA")![2].Value()));
    }
}
