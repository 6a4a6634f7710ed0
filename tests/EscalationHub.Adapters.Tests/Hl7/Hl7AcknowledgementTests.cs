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

    [Fact]
    public void A_NAK_has_one_ERR_per_problem_naming_segment_field_repetition_and_component()
    {
        var original = Hl7Parser.Parse(Samples.Hl7("ref-i12-bad-nhs-number.hl7"));
        var error = new Hl7Error(new Hl7Location("PID", 1, 3, 2, 1), Hl7Error.DataTypeError, "NHS number fails the modulus 11 check digit");

        var text = Hl7Acknowledgement.Build(original, AckCode.AE, [error], Now, "ACK2");

        Assert.Contains("\rMSA|AE|ICE00044722|PID-3(2).1: NHS number fails the modulus 11 check digit\r", text);
        Assert.Contains("\rERR||PID^1^3^2^1|102^Data type error^HL70357|E||||NHS number fails the modulus 11 check digit\r", text);
    }

    [Fact]
    public void A_NAK_for_an_unreadable_message_still_parses_and_has_an_empty_control_id()
    {
        var text = Hl7Acknowledgement.Build(null, AckCode.AR, [new Hl7Error(new Hl7Location("MSH"), 100, "no MSH")], Now, "ACK3");

        var ack = Hl7Parser.Parse(text);
        Assert.Equal(("AR", ""), (ack.First("MSA")![1].Value(), ack.First("MSA")![2].Value()));
    }
}
