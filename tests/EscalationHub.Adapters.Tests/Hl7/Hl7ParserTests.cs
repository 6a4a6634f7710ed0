using EscalationHub.Adapters.Health.Hl7;
using EscalationHub.Adapters.Tests.Infrastructure;

namespace EscalationHub.Adapters.Tests.Hl7;

public class Hl7ParserTests
{
    private const string Referral =
        "MSH|^~\\&|ICE|RWE|EH|LEICS|20261125091512||REF^I12^REF_I12|ICE00044719|P|2.4\r" +
        "PID|1||RWE3344556^^^RWE^MR~4857773457^^^NHS&2.16.840.1.113883.2.1.4.1&ISO^NH||O'Brien\\S\\Walsh^Maisie||20240314|||||\r" +
        "NTE|1||\"\"\r";

    [Fact]
    public void MSH_1_is_the_field_separator_and_MSH_2_the_encoding_characters()
    {
        var message = Hl7Parser.Parse(Referral);

        Assert.Equal("|", message.Header[1].Value());
        Assert.Equal("^~\\&", message.Header[2].Value());
        Assert.Equal("REF^I12", message.MessageType);
        Assert.Equal("REF_I12", message.Header[9].Value(3));
        Assert.Equal("ICE00044719", message.ControlId);
        Assert.Equal("2.4", message.Header[12].Value());
    }

    [Fact]
    public void A_repeated_field_gives_each_repetition_with_its_components_and_subcomponents()
    {
        var pid = Hl7Parser.Parse(Referral).First("PID")!;
        var identifiers = pid[3].Repetitions;

        Assert.Equal(2, identifiers.Count);
        Assert.Equal(("RWE3344556", "RWE", "MR"), (identifiers[0].Value(1), identifiers[0].Value(4), identifiers[0].Value(5)));
        Assert.Equal("4857773457", identifiers[1].Value(1));
        Assert.Equal("NHS", identifiers[1].Value(4, 1));
        Assert.Equal("2.16.840.1.113883.2.1.4.1", identifiers[1].Value(4, 2));
        Assert.Equal("ISO", identifiers[1].Value(4, 3));
        Assert.Equal("NH", identifiers[1].Value(5));
    }

    [Fact]
    public void An_escaped_delimiter_is_part_of_the_value_and_does_not_split_it()
    {
        var pid = Hl7Parser.Parse(Referral).First("PID")!;

        Assert.Equal("O'Brien^Walsh", pid[5].Value(1));
        Assert.Equal("Maisie", pid[5].Value(2));
    }

    [Fact]
    public void Fields_components_and_repetitions_past_the_end_are_empty()
    {
        var pid = Hl7Parser.Parse(Referral).First("PID")!;

        Assert.Equal("", pid[40].Value());
        Assert.Equal("", pid[7].Value(9));
        Assert.Empty(pid[8].Repetitions);
        Assert.Equal("", pid[3].Value(4, 7));
    }

    [Fact]
    public void The_explicit_null_reads_as_no_value_but_is_told_apart_from_an_empty_field()
    {
        var nte = Hl7Parser.Parse(Referral).First("NTE")!;

        Assert.True(nte[3].IsNull);
        Assert.Equal("", nte[3].Value());
        Assert.False(nte[2].IsNull);
        Assert.True(nte[2].IsEmpty);
    }

    [Fact]
    public void CR_LF_and_CRLF_line_ends_and_blank_lines_give_the_same_message()
    {
        var cr = Hl7Parser.Parse(Referral);
        var lf = Hl7Parser.Parse(Referral.Replace("\r", "\n"));
        var crlf = Hl7Parser.Parse("\r\n" + Referral.Replace("\r", "\r\n\r\n"));

        Assert.Equal(cr.Segments.Select(s => s.Id), lf.Segments.Select(s => s.Id));
        Assert.Equal(cr.Segments.Select(s => s.Id), crlf.Segments.Select(s => s.Id));
        Assert.Equal(cr.First("PID")![3].Raw, crlf.First("PID")![3].Raw);
    }

    [Fact]
    public void Other_delimiters_declared_in_MSH_are_used_throughout()
    {
        var message = Hl7Parser.Parse("MSH#$%!*#ICE#RWE###20261125##REF$I12#C1#P#2.5\rPID#1##123$$$NHS*X$NH%456$$$RWE#");
        var pid = message.First("PID")!;

        Assert.Equal("REF$I12".Replace('$', '^'), message.MessageType);
        Assert.Equal(2, pid[3].Repetitions.Count);
        Assert.Equal("NHS", pid[3].Value(4, 1));
        Assert.Equal("X", pid[3].Value(4, 2));
    }

    [Fact]
    public void Segments_of_the_same_kind_are_numbered_in_order_and_Z_segments_are_kept()
    {
        var message = Hl7Parser.Parse(Samples.Hl7("ref-i12-ice-nai.hl7"));

        Assert.Equal(["MSH", "RF1", "PRD", "PRD", "PID", "NK1", "DG1", "OBX", "OBX", "PV1", "NTE", "ZSG"], message.Segments.Select(s => s.Id));
        Assert.Equal([1, 2], message.All("OBX").Select(s => s.Occurrence));
        Assert.Equal("SAFEGUARDING-TEAM-INFORMED", message.First("ZSG")![2].Value());
    }

    [Theory]
    [InlineData("", "MSH")]
    [InlineData("PID|1||123\r", "MSH")]
    [InlineData("MSH|^~\r", "MSH-2")]
    [InlineData("MSH|^^\\&|ICE\r", "MSH-2")]
    [InlineData("MSH|^~\\&|ICE\rpid|1\r", "pid")]
    [InlineData("MSH|^~\\&|ICE\rPATIENT|1\r", "???")]
    [InlineData("MSH|^~\\&|ICE\rMSH|^~\\&|ICE\r", "MSH")]
    public void Malformed_input_is_refused_naming_where(string text, string location)
    {
        var error = Assert.Throws<Hl7ParseException>(() => Hl7Parser.Parse(text));
        Assert.StartsWith(location, error.Location.ToString());
    }

    [Fact]
    public void The_writer_escapes_values_and_ends_each_segment_with_CR()
    {
        var text = new Hl7Writer(Hl7Encoding.Default)
            .Segment("MSH", [], [], ["EH"], [], [], [], ["20261125"], [], ["ACK", "I12", "ACK"], ["A1"], ["P"], ["2.5.1"])
            .Segment("MSA", ["AE"], ["ICE|1"], ["bad ^ value & more"])
            .ToString();

        Assert.Equal("MSH|^~\\&|EH||||20261125||ACK^I12^ACK|A1|P|2.5.1\rMSA|AE|ICE\\F\\1|bad \\S\\ value \\T\\ more\r", text);
        var reread = Hl7Parser.Parse(text);
        Assert.Equal("ICE|1", reread.First("MSA")![2].Value());
        Assert.Equal("bad ^ value & more", reread.First("MSA")![3].Value());
    }
}
