using EscalationHub.Contracts.V1;
using EscalationHub.IntegrationTests.Infrastructure;
using Grpc.Core;
using L = EscalationHub.Ledger;
using V1 = EscalationHub.Contracts.V1;

namespace EscalationHub.IntegrationTests;

/// <summary>Every read of a child file or of a case on it is audited on the file's ledger (who, which agency, which
/// file, when, why, how many times), visible to the agencies holding the file and to nobody else; refused reads are
/// not audited. Coalescing over a short window is tested in Security/ReadAuditTests.
/// A real hub process (embedded default) over HTTP/2.</summary>
public sealed class AuditedReadsTests : IClassFixture<EmbeddedHub>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly TestHub hub;
    private readonly V1.Ledger.LedgerClient ledger;

    public AuditedReadsTests(EmbeddedHub fixture)
    {
        hub = fixture.Hub;
        ledger = new V1.Ledger.LedgerClient(hub.Channel);
    }

    /// <summary>A concern about a child of its own (a fresh NHS number, so a fresh child file), decided.</summary>
    private async Task<Concern> DecidedConcernAsync()
    {
        var request = Requests.HospitalReferral();
        request.Child.NhsNumber = NewNhsNumber();
        var concern = await hub.Concerns.RaiseConcernAsync(request);
        await Requests.WatchUntilDecidedAsync(hub.Concerns, concern.ConcernId, Patience);
        return concern;
    }

    private static string NewNhsNumber()
    {
        while (true)
        {
            var digits = Enumerable.Range(0, 9).Select(_ => Random.Shared.Next(10)).ToArray();
            var check = 11 - digits.Select((d, i) => d * (10 - i)).Sum() % 11;
            if (check == 10) continue;
            return string.Concat(digits) + (check == 11 ? 0 : check);
        }
    }

    /// <summary>The file's audit trail as one of its holders lists it (the listing itself is recorded after).</summary>
    private async Task<IReadOnlyList<ChildFileRead>> TrailAsync(string childFileId, string asAgency = "uhl-health") =>
        (await ledger.ListChildFileReadsAsync(new ListChildFileReadsRequest { ChildFileId = childFileId, AgencyCode = asAgency })).Reads;

    private static IReadOnlyList<ChildFileRead> Of(IEnumerable<ChildFileRead> trail, string call) => trail.Where(r => r.Call == call).ToList();

    [Fact]
    public async Task Reading_a_concern_leaves_exactly_one_audit_entry_naming_the_reader_the_file_the_case_and_why()
    {
        var concern = await DecidedConcernAsync();

        await hub.Concerns.GetConcernAsync(new GetConcernRequest
        {
            ConcernId = concern.ConcernId, AgencyCode = "leics-socialcare", Purpose = ReadPurpose.Assessment, ReaderRole = "Team manager",
        });
        var trail = await TrailAsync(concern.ChildFileId);

        var read = Assert.Single(Of(trail, "Concerns/GetConcern"));
        Assert.Equal(("leics-socialcare", "Team manager", "assessment"), (read.ReaderAgencyCode, read.ReaderRole, read.Purpose));
        Assert.Equal([concern.ConcernId], read.CaseIds);
        Assert.InRange(read.ReadAt.ToDateTimeOffset(), DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(1));
        // The watch that waited for the decision is a read too: by the raiser, with the default purpose.
        var watch = Assert.Single(Of(trail, "Concerns/WatchConcern"));
        Assert.Equal(("uhl-health", "not stated", "case-work"), (watch.ReaderAgencyCode, watch.ReaderRole, watch.Purpose));
    }

    [Fact]
    public async Task Each_read_of_a_disagreement_leaves_exactly_one_audit_entry_on_its_child_file()
    {
        var concern = await DecidedConcernAsync();
        var opened = await hub.Escalations.OpenDisagreementAsync(Disagreements.Open(concern.ChildFileId));

        await hub.Escalations.GetDisagreementAsync(new GetDisagreementRequest { DisagreementId = opened.DisagreementId, AgencyCode = "leics-socialcare" });
        var listed = await hub.Escalations.ListDisagreementsAsync(new ListDisagreementsRequest
        {
            AgencyCode = "uhl-health", ChildFileId = concern.ChildFileId, Purpose = ReadPurpose.Supervision, ReaderRole = "Named nurse",
        });
        using (var cancel = new CancellationTokenSource(Patience))
        using (var watch = hub.Escalations.WatchDisagreement(new WatchDisagreementRequest
                   { DisagreementId = opened.DisagreementId, AgencyCode = "leics-socialcare", Purpose = ReadPurpose.StrategyDiscussion },
                   cancellationToken: cancel.Token))
        {
            Assert.True(await watch.ResponseStream.MoveNext(cancel.Token)); // the audit entry is committed before the first event
        }
        var trail = await TrailAsync(concern.ChildFileId);

        Assert.Equal(opened.DisagreementId, Assert.Single(listed.Disagreements).DisagreementId);
        var get = Assert.Single(Of(trail, "Escalations/GetDisagreement"));
        var list = Assert.Single(Of(trail, "Escalations/ListDisagreements"));
        var stream = Assert.Single(Of(trail, "Escalations/WatchDisagreement"));
        Assert.Equal(("leics-socialcare", "case-work"), (get.ReaderAgencyCode, get.Purpose));
        Assert.Equal(("uhl-health", "Named nurse", "supervision"), (list.ReaderAgencyCode, list.ReaderRole, list.Purpose));
        Assert.Equal(("leics-socialcare", "strategy-discussion"), (stream.ReaderAgencyCode, stream.Purpose));
        Assert.All([get, list, stream], r => Assert.Equal([opened.DisagreementId], r.CaseIds));
    }

    [Fact]
    public async Task Every_ledger_read_is_audited_and_repeats_within_the_window_are_counted_into_its_entry()
    {
        var concern = await DecidedConcernAsync();
        var read = new GetChildFileRequest { ChildFileId = concern.ChildFileId, AgencyCode = "uhl-health", Purpose = ReadPurpose.QualityAssurance, ReaderRole = "Designated nurse" };
        bool Mine(ChildFileRead r) => r is { Call: "Ledger/GetChildFile", ReaderAgencyCode: "uhl-health", ReaderRole: "Designated nurse", Purpose: "quality-assurance" };

        await ledger.GetChildFileAsync(read);
        var afterOne = await TrailAsync(concern.ChildFileId);
        await ledger.GetChildFileAsync(read); // the same reader again: counted, written with its count when the window closes
        await hub.Escalations.OpenDisagreementAsync(Disagreements.Open(concern.ChildFileId)); // new entries on the file
        await ledger.GetChildFileAsync(read);

        Assert.Equal(1, Assert.Single(afterOne, Mine).ReadCount); // written before the first answer
        Assert.Single(await TrailAsync(concern.ChildFileId), Mine); // one entry per window (5 minutes by default)
    }

    [Fact]
    public async Task The_holders_see_the_audit_entries_in_the_file_they_prove_into_the_signed_head_and_the_ledger_still_verifies()
    {
        var concern = await DecidedConcernAsync();
        await hub.Concerns.GetConcernAsync(new GetConcernRequest { ConcernId = concern.ConcernId, AgencyCode = "leics-socialcare" });
        var key = await ledger.GetHubPublicKeyAsync(new GetHubPublicKeyRequest());
        using var hubKey = L.LedgerKeys.ImportPublicKeyPem(key.PublicKeyPem);

        foreach (var holder in new[] { "uhl-health", "leics-socialcare" })
        {
            var file = await ledger.GetChildFileAsync(new GetChildFileRequest { ChildFileId = concern.ChildFileId, AgencyCode = holder });
            var head = new L.SignedTreeHead(file.TreeHead.TreeSize, L.MerkleHash.FromBytes(file.TreeHead.RootHash.Span),
                DateTimeOffset.UnixEpoch.AddTicks(file.TreeHead.TimestampTicks), file.TreeHead.Signature.Span);
            Assert.True(head.VerifySignature(hubKey));
            var audit = file.Entries.Where(e => e.EntryType == "child-file.read").Select(e => L.LedgerEntry.Parse(e.CanonicalBytes.Span)).ToList();
            Assert.Contains(audit, e => e.AuthorAgencyCode == "leics-socialcare" && System.Text.Encoding.UTF8.GetString(e.Payload.Span).Contains("Concerns/GetConcern"));
            foreach (var entry in file.Entries.Where(e => e.EntryType == "child-file.read"))
            {
                var proof = await ledger.GetInclusionProofAsync(new GetInclusionProofRequest { EntryIndex = entry.Index, TreeSize = head.TreeSize });
                var inclusion = new L.InclusionProof(proof.EntryIndex, proof.TreeSize, proof.Path.Select(p => L.MerkleHash.FromBytes(p.Span)).ToList());
                Assert.True(inclusion.VerifyAgainst(L.TreeHasher.HashLeaf(entry.CanonicalBytes.Span), head));
            }
        }

        var verified = await Hubctl.RunAsync("ledger", "verify", "--store", hub.DatabasePath);
        Assert.True(verified.ExitCode == 0, verified.Output);
        Assert.Contains("ok: verified", verified.Output);
    }

    [Fact]
    public async Task An_uninvolved_agency_is_refused_every_read_and_its_attempts_leave_no_audit_entry_but_a_warning_for_operators()
    {
        var concern = await DecidedConcernAsync();
        var opened = await hub.Escalations.OpenDisagreementAsync(Disagreements.Open(concern.ChildFileId));
        const string police = "leics-police";

        var refusals = new[]
        {
            await Refused(hub.Concerns.GetConcernAsync(new GetConcernRequest { ConcernId = concern.ConcernId, AgencyCode = police }).ResponseAsync),
            await Refused(hub.Escalations.GetDisagreementAsync(new GetDisagreementRequest { DisagreementId = opened.DisagreementId, AgencyCode = police }).ResponseAsync),
            await Refused(ledger.GetChildFileAsync(new GetChildFileRequest { ChildFileId = concern.ChildFileId, AgencyCode = police }).ResponseAsync),
            await Refused(ledger.ListChildFileReadsAsync(new ListChildFileReadsRequest { ChildFileId = concern.ChildFileId, AgencyCode = police }).ResponseAsync),
            await Refused(WatchFirstAsync(hub.Concerns.WatchConcern(new WatchConcernRequest { ConcernId = concern.ConcernId, AgencyCode = police }).ResponseStream)),
            await Refused(WatchFirstAsync(hub.Escalations.WatchDisagreement(new WatchDisagreementRequest { DisagreementId = opened.DisagreementId, AgencyCode = police }).ResponseStream)),
        };
        var listed = await hub.Escalations.ListDisagreementsAsync(new ListDisagreementsRequest { AgencyCode = police, ChildFileId = concern.ChildFileId });
        var trail = await TrailAsync(concern.ChildFileId);

        Assert.All(refusals, status => Assert.Equal(StatusCode.NotFound, status)); // as for ids that do not exist
        Assert.Empty(listed.Disagreements);
        Assert.DoesNotContain(trail, r => r.ReaderAgencyCode == police);
        await Eventually.GetAsync(() => Task.FromResult(hub.Output.Contains("Read refused: Concerns/GetConcern by agency leics-police") ? "seen" : null),
            "the refused read logged for operators");
    }

    [Theory]
    [InlineData(99, "", "purpose")]
    [InlineData(1, "a role that goes on and on, well past the hundred characters a role may have, and then some more words too", "reader_role")]
    public async Task A_read_with_an_invalid_purpose_or_role_is_refused_naming_the_field_and_audits_nothing(int purpose, string role, string field)
    {
        var concern = await DecidedConcernAsync();
        var before = await TrailAsync(concern.ChildFileId);

        var error = await Assert.ThrowsAsync<RpcException>(() => hub.Concerns.GetConcernAsync(new GetConcernRequest
            { ConcernId = concern.ConcernId, AgencyCode = "leics-socialcare", Purpose = (ReadPurpose)purpose, ReaderRole = role }).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains(field, error.Status.Detail);
        var after = await TrailAsync(concern.ChildFileId);
        // Nothing new but the listing (coalesced with the first listing: counted, no new entry within the window).
        Assert.Equal(before.Count(r => r.Call is not ("Ledger/GetChildFile" or "Ledger/ListChildFileReads")),
            after.Count(r => r.Call is not ("Ledger/GetChildFile" or "Ledger/ListChildFileReads")));
        Assert.DoesNotContain(after, r => r.Call == "Concerns/GetConcern");
    }

    private static async Task<string> WatchFirstAsync<T>(IAsyncStreamReader<T> stream)
    {
        await stream.MoveNext(CancellationToken.None);
        return "streamed";
    }

    private static async Task<StatusCode> Refused(Task call) =>
        (await Assert.ThrowsAsync<RpcException>(() => call)).StatusCode;
}
