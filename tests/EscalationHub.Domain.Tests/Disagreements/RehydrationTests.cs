using System.Text.Json;
using EscalationHub.Domain.Calendar;
using EscalationHub.Domain.Disagreements;
using static EscalationHub.Domain.Tests.Disagreements.Scenario;

namespace EscalationHub.Domain.Tests.Disagreements;

public class RehydrationTests
{
    private static Scenario Walked()
    {
        var s = new Scenario("north-wales-2014", "2027-01-04T10:00:00").At("2027-01-07T14:00:00");
        s.SignedByAll(s.Meeting("SCH-101"));
        s.At("2027-01-11T10:00:00").Escalate();
        s.At("2027-01-12T10:00:00").Meeting("LA-CSC");
        s.Do((d, now) => d.Resolve("LA-CSC", "Agreed: strategy discussion", [new("LA-CSC", "convene a strategy discussion", Utc("2027-01-13T17:00:00"))], now));
        s.Do((d, now) => d.GiveFeedback("LA-CSC", "Strategy discussion convened", now));
        s.Do((d, now) => d.CaptureLearning("SCH-101", "Share threshold guidance with schools", [LearningTheme.InformationSharing, LearningTheme.ThresholdUnderstanding], now));
        return s;
    }

    private static string Json(DisagreementState state) => JsonSerializer.Serialize(state);

    [Fact]
    public void Replaying_the_events_rebuilds_the_same_state()
    {
        var s = Walked();
        var replayed = Disagreement.Replay(s.Events, Profiles["north-wales-2014"], WorkingCalendar.EnglandAndWales);
        Assert.Equal(Json(s.Disagreement.State), Json(replayed.State));
        Assert.Equal(s.Events.Count, replayed.State.Version);
    }

    [Fact]
    public void Events_round_trip_through_JSON_with_their_type()
    {
        var s = Walked();
        var json = JsonSerializer.Serialize<IReadOnlyList<DisagreementEvent>>(s.Events);
        Assert.Contains("\"type\":\"stage-entered\"", json);
        var back = JsonSerializer.Deserialize<List<DisagreementEvent>>(json)!;
        Assert.Equal(s.Events.Select(e => e.GetType()), back.Select(e => e.GetType()));
        var replayed = Disagreement.Replay(back, Profiles["north-wales-2014"], WorkingCalendar.EnglandAndWales);
        Assert.Equal(Json(s.Disagreement.State), Json(replayed.State));
    }

    [Fact]
    public void A_JSON_snapshot_of_the_state_carries_on_where_it_left_off()
    {
        var s = new Scenario("north-wales-2014", "2027-01-04T10:00:00");
        var snapshot = JsonSerializer.Deserialize<DisagreementState>(Json(s.Disagreement.State))!;
        var restored = Disagreement.FromState(snapshot, Profiles["north-wales-2014"], WorkingCalendar.EnglandAndWales);
        Assert.Equal(new Deadline(Utc("2027-01-18T17:00:00"), "10 working days from the written concern (North Wales stage 1)"), restored.CurrentDeadline);
        var events = restored.EscalateOnMissedDeadline(Utc("2027-01-19T09:00:00"));
        Assert.Equal(2, Assert.IsType<StageEntered>(events[1]).Stage);
    }

    [Fact]
    public void A_snapshot_is_refused_under_another_profile() =>
        Assert.Throws<ArgumentException>(() => Disagreement.FromState(
            new Scenario("north-wales-2014", "2027-01-04T10:00:00").Disagreement.State, Profiles["berkshire-v17"], WorkingCalendar.EnglandAndWales));

    [Fact]
    public void Stored_deadlines_survive_a_change_of_calendar_configuration()
    {
        var s = new Scenario("north-wales-2014", "2027-01-04T10:00:00");
        var closedWeek = new WorkingCalendar(extraClosures: Enumerable.Range(5, 5).Select(d => new DateOnly(2027, 1, d)));
        var replayed = Disagreement.Replay(s.Events, Profiles["north-wales-2014"], closedWeek);
        Assert.Equal(Utc("2027-01-18T17:00:00"), replayed.CurrentDeadline!.Instant);
    }

    [Fact]
    public void Enumerations_are_stored_by_name_so_stored_JSON_survives_reordering()
    {
        var json = Json(new Scenario("north-wales-2014", "2027-01-04T10:00:00", EscalationHub.Domain.Policies.HarmLevel.SignificantHarm).Disagreement.State);
        Assert.Contains("\"Harm\":\"SignificantHarm\"", json);
        Assert.Contains("\"AgencyType\":\"Education\"", json);
        Assert.Contains("\"Status\":\"Open\"", json);
    }
}
