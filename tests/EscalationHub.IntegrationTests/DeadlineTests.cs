using EscalationHub.Contracts.V1;
using EscalationHub.IntegrationTests.Infrastructure;
using static EscalationHub.IntegrationTests.Infrastructure.Disagreements;

namespace EscalationHub.IntegrationTests;

/// <summary>Stage deadlines fire on their own: the hub's clock is moved past a deadline and the scheduler escalates.</summary>
public sealed class DeadlineTests : IAsyncLifetime
{
    private TestHub hub = null!;

    public async Task InitializeAsync() => hub = await TestHub.StartAsync(brokerUri: null, TestHub.MovableClock);

    public async Task DisposeAsync() => await hub.DisposeAsync();

    [Fact]
    public async Task A_missed_stage_deadline_escalates_on_its_own_within_seconds()
    {
        var child = await ChildFileAsync(hub);
        var d = await hub.Escalations.OpenDisagreementAsync(Open(child));
        var due = d.CurrentStage.Deadline.DueAt.ToDateTimeOffset();

        hub.MoveClockForward(due - DateTimeOffset.UtcNow + TimeSpan.FromMinutes(1));
        var escalated = await WaitForStageAsync(d.DisagreementId, 2);

        Assert.True(escalated.Stages[0].EscalatedAutomatically);
        Assert.Contains("deadline passed unresolved", escalated.Stages[0].EscalationReason);
        Assert.Contains("10 working days from the stage 1 meeting", escalated.CurrentStage.Deadline.Rule);
        Assert.Contains("escalated automatically", hub.Output);
        // Every party was sent the escalation, and nobody else.
        Assert.Equal(2, hub.Count("Outbox", "MessageType LIKE '%DisagreementNotice' AND Body LIKE '%\"escalated\"%'"));
        Assert.Equal(1, hub.Count("Outbox", "Destination = 'agency.uhl-health' AND Body LIKE '%\"escalated\"%'"));
        Assert.Equal(1, hub.Count("Outbox", "Destination = 'agency.leics-socialcare' AND Body LIKE '%\"escalated\"%'"));
    }

    [Fact]
    public async Task Deadlines_that_passed_while_the_hub_was_down_are_caught_up_at_start()
    {
        var child = await ChildFileAsync(hub);
        var d = await hub.Escalations.OpenDisagreementAsync(Open(child, profile: "berkshire-v17"));
        Assert.Equal(1, d.CurrentStage.Step);

        await hub.StopAsync();
        hub.MoveClockForward(TimeSpan.FromDays(12)); // well past "practitioners within 1 working day"
        await hub.StartProcessAsync();
        Disagreement? caughtUp = null;
        await WaitUntilAsync(async () =>
        {
            caughtUp = await hub.Escalations.GetDisagreementAsync(new GetDisagreementRequest { DisagreementId = d.DisagreementId, AgencyCode = "uhl-health" });
            return caughtUp.Stages.Count == 2;
        });

        // One rung climbed on start; the next rung's clock (line managers within 24 hours) starts when it is entered.
        Assert.True(caughtUp!.Stages[0].EscalatedAutomatically);
        Assert.Equal((1, 2), (caughtUp.CurrentStage.Stage, caughtUp.CurrentStage.Step));
        Assert.Equal(TimeSpan.FromHours(24), caughtUp.CurrentStage.Deadline.DueAt.ToDateTimeOffset() - caughtUp.CurrentStage.EnteredAt.ToDateTimeOffset());
    }

    [Fact]
    public async Task Parties_are_warned_before_a_deadline()
    {
        var child = await ChildFileAsync(hub);
        var d = await hub.Escalations.OpenDisagreementAsync(Open(child));
        var due = d.CurrentStage.Deadline.DueAt.ToDateTimeOffset();

        hub.MoveClockForward(due - DateTimeOffset.UtcNow - TimeSpan.FromMinutes(90)); // inside the 2-hour warning window
        await WaitUntilAsync(() => hub.Count("Outbox", "MessageType LIKE '%DeadlineApproaching'") == 2);
        await Task.Delay(1500);

        Assert.Equal(2, hub.Count("Outbox", "MessageType LIKE '%DeadlineApproaching'")); // once per party
        var still = await hub.Escalations.GetDisagreementAsync(new GetDisagreementRequest { DisagreementId = d.DisagreementId, AgencyCode = "uhl-health" });
        Assert.Equal(1, still.CurrentStage.Stage);
    }

    [Fact]
    public async Task At_London_stage_3_referred_without_delay_warns_the_parties_when_not_referred_and_does_not_climb_on_its_own()
    {
        var child = await ChildFileAsync(hub);
        var d = await hub.Escalations.OpenDisagreementAsync(Open(child, profile: "london-pa4-kingston-richmond"));
        foreach (var requestId in new[] { "to-2", "to-3" })
            d = await hub.Escalations.EscalateDisagreementAsync(new EscalateDisagreementRequest
                { DisagreementId = d.DisagreementId, By = As("uhl-health"), Reason = "No agreement", RequestId = requestId });
        Assert.Equal(3, d.CurrentStage.Stage);
        var referBy = d.CurrentStage.Deadline.DueAt.ToDateTimeOffset();

        hub.MoveClockForward(referBy - DateTimeOffset.UtcNow + TimeSpan.FromMinutes(1));
        await WaitUntilAsync(() => hub.Count("Outbox", "MessageType LIKE '%DeadlineApproaching' AND Body LIKE '%referred without delay%'") == 2);
        await Task.Delay(1500);

        Assert.Equal(2, hub.Count("Outbox", "MessageType LIKE '%DeadlineApproaching'")); // once per party, at the time to refer
        var still = await hub.Escalations.GetDisagreementAsync(new GetDisagreementRequest { DisagreementId = d.DisagreementId, AgencyCode = "uhl-health" });
        Assert.Equal((3, 3), (still.Stages.Count, still.CurrentStage.Stage));
        Assert.True(still.Overdue); // shown as not referred in time
    }

    private async Task<Disagreement> WaitForStageAsync(string id, int stage)
    {
        Disagreement? current = null;
        await WaitUntilAsync(async () =>
        {
            current = await hub.Escalations.GetDisagreementAsync(new GetDisagreementRequest { DisagreementId = id, AgencyCode = "uhl-health" });
            return current.CurrentStage.Stage >= stage;
        });
        return current!;
    }

    private string Output() => string.Join("\n", hub.Output.Split('\n').TakeLast(40));

    private Task WaitUntilAsync(Func<bool> condition) => WaitUntilAsync(() => Task.FromResult(condition()));

    private async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var until = DateTime.UtcNow.AddSeconds(15);
        while (!await condition())
        {
            if (DateTime.UtcNow > until) throw new TimeoutException($"not within 15 s; hub output:\n{Output()}");
            await Task.Delay(100);
        }
    }
}
