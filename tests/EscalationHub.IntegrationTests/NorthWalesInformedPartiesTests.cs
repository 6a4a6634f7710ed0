using EscalationHub.Contracts.V1;
using EscalationHub.IntegrationTests.Infrastructure;
using M = EscalationHub.Contracts.Messages;

namespace EscalationHub.IntegrationTests;

/// <summary>North Wales names people outside the meeting who must be told of a stage: they are reached on their
/// agency's queue over the real broker, and each child's file records that they were informed.</summary>
[Collection(BrokerCollection.Name)]
public sealed class NorthWalesInformedPartiesTests(RabbitMqNode broker) : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly List<IAsyncDisposable> running = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var item in Enumerable.Reverse(running)) await item.DisposeAsync();
    }

    [Fact]
    public async Task The_raiser_must_always_inform_their_line_manager_and_Local_Authority_Child_Protection_Coordinator_and_the_coordinator_is_informed_at_stage_2()
    {
        var hub = await TestHub.StartAsync(broker.AmqpUri);
        running.Add(hub);
        // Social care is not party to this disagreement between the hospital and the police: the co-ordinator is reached
        // on the local authority's queue all the same (the one social care agency registered with the hub).
        var localAuthority = await TestBus.StartAsync(broker, M.Addresses.AgencyQueue("leics-socialcare"));
        running.Add(localAuthority);
        var hospital = await TestBus.StartAsync(broker, M.Addresses.AgencyQueue("uhl-health"));
        running.Add(hospital);
        var child = (await hub.Concerns.RaiseConcernAsync(Requests.HospitalReferral(addressedTo: "leics-police"))).ChildFileId;

        var d = await hub.Escalations.OpenDisagreementAsync(Disagreements.Open(child, raiser: "uhl-health", responder: "leics-police"));

        var stage1 = await Eventually.GetAsync(() => Task.FromResult(localAuthority.Notices.FirstOrDefault(n =>
            n.DisagreementId == d.DisagreementId && n.EventType == "stage-entered" && n.Stage == 1)), "the co-ordinator's stage 1 notice", Patience);
        Assert.Equal(["line manager", "CP co-ordinator"], stage1.MustInform);
        Assert.Null(stage1.ExpectedRole); // told, not summoned to the meeting
        Assert.True(stage1.InformedOnly); // not a party: its adapter keeps no copy of the child's file (the hub would refuse it)
        await Eventually.GetAsync(() => Task.FromResult(hospital.Notices.FirstOrDefault(n =>
            n.DisagreementId == d.DisagreementId && n.EventType == "stage-entered" && n.Stage == 1 && n.MustInform.Contains("line manager"))),
            "the raiser's stage 1 notice naming their line manager", Patience);
        Assert.Equal(1, Informed(hub, d.DisagreementId, stage: 1, "line manager", "uhl-health"));
        Assert.Equal(1, Informed(hub, d.DisagreementId, stage: 1, "CP co-ordinator", "leics-socialcare"));

        await hub.Escalations.EscalateDisagreementAsync(new EscalateDisagreementRequest
        {
            DisagreementId = d.DisagreementId, By = Disagreements.As("uhl-health", "Named Nurse for Safeguarding"), Reason = "Not settled at stage 1",
        });

        var stage2 = await Eventually.GetAsync(() => Task.FromResult(localAuthority.Notices.FirstOrDefault(n =>
            n.DisagreementId == d.DisagreementId && n.EventType == "stage-entered" && n.Stage == 2)), "the co-ordinator's stage 2 notice", Patience);
        Assert.Equal(["CP co-ordinator"], stage2.MustInform);
        Assert.Equal(1, Informed(hub, d.DisagreementId, stage: 2, "CP co-ordinator", "leics-socialcare"));
        Assert.Equal(0, Informed(hub, d.DisagreementId, stage: 2, "line manager", "uhl-health"));
        // Only the stage notices reach the co-ordinator's agency, not the parties' other business (the escalation itself).
        Assert.DoesNotContain(localAuthority.Notices, n => n.DisagreementId == d.DisagreementId && n.EventType != "stage-entered");
    }

    /// <summary>Ledger entries on the child's file that record <paramref name="role"/> informed of a stage on an agency's queue.</summary>
    private static long Informed(TestHub hub, string disagreementId, int stage, string role, string agencyCode) =>
        // The entry's canonical bytes carry its JSON payload (sorted keys, camelCase); instr on blobs finds a fragment of it.
        hub.Count("LedgerEntries", "EntryType = 'disagreement.party-informed' AND CaseId = $id AND instr(EntryBytes, CAST($stage AS BLOB)) > 0 " +
            "AND instr(EntryBytes, CAST($role AS BLOB)) > 0 AND instr(EntryBytes, CAST($agency AS BLOB)) > 0",
            ("$id", disagreementId), ("$stage", $"\"stage\":{stage},"), ("$role", $"\"role\":\"{role}\""), ("$agency", $"\"agencyCode\":\"{agencyCode}\""));
}
