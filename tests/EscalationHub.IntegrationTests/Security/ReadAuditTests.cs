using EscalationHub.Contracts.V1;
using EscalationHub.IntegrationTests.Infrastructure;
using Google.Protobuf.WellKnownTypes;

namespace EscalationHub.IntegrationTests.Security;

/// <summary>A hub whose read audit coalesces over a short window (3 s), so tests see counted reads written soon.</summary>
public sealed class ShortAuditWindowHub : IAsyncLifetime
{
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(3);

    public TestHub Hub { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Hub = await TestHub.StartAsync(brokerUri: null, new Dictionary<string, string> { ["Audit:CoalesceWindow"] = Window.ToString("c") });

    public async Task DisposeAsync() => await Hub.DisposeAsync();
}

/// <summary>
/// Issue 14, item 11: every read of a child's data is audited, with no exception (a repeated ledger read, a ledger read
/// from past the end of the file, a replayed request that answers with the whole disagreement, every watch), and the
/// audit cannot be used to grow a child file without bound: repeated reads are counted into one entry per agency,
/// role, purpose and call per window, whose counts add up to the reads. A real hub process over HTTP/2.
/// </summary>
public sealed class ReadAuditTests(ShortAuditWindowHub fixture) : IClassFixture<ShortAuditWindowHub>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private const string Hospital = "uhl-health", SocialCare = "leics-socialcare";
    private readonly TestHub hub = fixture.Hub;

    [Fact]
    public async Task A_repeated_ledger_read_with_the_same_role_and_purpose_is_counted_in_the_audit()
    {
        var concern = await RaiseAsync();
        var read = new GetChildFileRequest { ChildFileId = concern.ChildFileId, Purpose = ReadPurpose.QualityAssurance, ReaderRole = "Designated nurse" };

        for (var i = 0; i < 3; i++) await hub.As(Hospital).Ledger.GetChildFileAsync(read);

        await CountedAsync(concern.ChildFileId, r => r is { Call: "Ledger/GetChildFile", ReaderAgencyCode: Hospital, ReaderRole: "Designated nurse", Purpose: "quality-assurance" }, 3);
    }

    [Fact]
    public async Task A_ledger_read_from_past_the_end_of_the_file_is_audited()
    {
        var concern = await RaiseAsync();
        var head = await hub.As(Hospital).Ledger.GetLatestTreeHeadAsync(new GetLatestTreeHeadRequest());

        var file = await hub.As(Hospital).Ledger.GetChildFileAsync(new GetChildFileRequest
            { ChildFileId = concern.ChildFileId, FromIndex = head.TreeSize + 1000, ReaderRole = "Analyst" });

        Assert.Empty(file.Entries);
        await CountedAsync(concern.ChildFileId, r => r is { Call: "Ledger/GetChildFile", ReaderAgencyCode: Hospital, ReaderRole: "Analyst" }, 1);
    }

    [Fact]
    public async Task A_replayed_request_id_that_answers_with_the_whole_disagreement_is_audited()
    {
        var concern = await RaiseAsync();
        var opened = await hub.As(Hospital).Escalations.OpenDisagreementAsync(Disagreements.Open(concern.ChildFileId));
        var step = new RecordDiscussionRequest
        {
            DisagreementId = opened.DisagreementId, By = Disagreements.As(Hospital, "Named nurse"), RequestId = "discussion-1",
            HeldAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow), Summary = "Practitioners discussed the threshold decision.",
        };

        await hub.As(Hospital).Escalations.RecordDiscussionAsync(step);
        var replayed = await hub.As(Hospital).Escalations.RecordDiscussionAsync(step);

        Assert.Equal(opened.DisagreementId, replayed.DisagreementId);
        var read = await CountedAsync(concern.ChildFileId, r => r.Call.StartsWith("Escalations/RecordDiscussion", StringComparison.Ordinal) && r.ReaderAgencyCode == Hospital, 1);
        Assert.Equal([opened.DisagreementId], Assert.Single(read).CaseIds);
        Assert.Equal("Named nurse", read[0].ReaderRole);
    }

    [Fact]
    public async Task Every_kind_of_read_repeated_is_counted_in_full()
    {
        var concern = await RaiseAsync(decided: true);
        var opened = await hub.As(Hospital).Escalations.OpenDisagreementAsync(Disagreements.Open(concern.ChildFileId));
        var social = hub.As(SocialCare);

        for (var i = 0; i < 2; i++)
        {
            await social.Concerns.GetConcernAsync(new GetConcernRequest { ConcernId = concern.ConcernId });
            await FirstAsync(social.Concerns.WatchConcern(new WatchConcernRequest { ConcernId = concern.ConcernId }));
            await social.Escalations.GetDisagreementAsync(new GetDisagreementRequest { DisagreementId = opened.DisagreementId });
            await FirstAsync(social.Escalations.WatchDisagreement(new WatchDisagreementRequest { DisagreementId = opened.DisagreementId }));
            await social.Escalations.ListDisagreementsAsync(new ListDisagreementsRequest { ChildFileId = concern.ChildFileId });
        }

        foreach (var call in new[] { "Concerns/GetConcern", "Concerns/WatchConcern", "Escalations/GetDisagreement", "Escalations/WatchDisagreement", "Escalations/ListDisagreements" })
            await CountedAsync(concern.ChildFileId, r => r.Call == call && r.ReaderAgencyCode == SocialCare, 2);
    }

    [Fact]
    public async Task Two_hundred_reads_by_one_agency_add_a_bounded_number_of_entries_whose_counts_add_up_to_200()
    {
        var concern = await RaiseAsync();
        var read = new GetChildFileRequest { ChildFileId = concern.ChildFileId, ReaderRole = "Scraper" };
        var started = DateTime.UtcNow;

        for (var i = 0; i < 200; i++) await hub.As(Hospital).Ledger.GetChildFileAsync(read);
        var elapsed = DateTime.UtcNow - started;

        var entries = await CountedAsync(concern.ChildFileId, r => r is { Call: "Ledger/GetChildFile", ReaderRole: "Scraper" }, 200);
        // About one entry per window while the reads go on, and one for the reads counted after the last.
        var windows = (int)Math.Ceiling(elapsed / ShortAuditWindowHub.Window);
        Assert.InRange(entries.Count, 1, 2 * windows + 2);
        Assert.True(entries.Count < 50, $"{entries.Count} entries for 200 reads");
    }

    [Fact]
    public async Task Two_hundred_watches_add_a_bounded_number_of_entries_whose_counts_add_up_to_200()
    {
        var concern = await RaiseAsync(decided: true);

        // Each watch of a decided concern sends its history and ends; each is a read.
        await Parallel.ForAsync(0, 200, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (_, _) =>
        {
            using var watch = hub.As(SocialCare).Concerns.WatchConcern(new WatchConcernRequest { ConcernId = concern.ConcernId, ReaderRole = "Watcher" });
            while (await watch.ResponseStream.MoveNext(CancellationToken.None)) { }
        });

        var entries = await CountedAsync(concern.ChildFileId, r => r is { Call: "Concerns/WatchConcern", ReaderAgencyCode: SocialCare, ReaderRole: "Watcher" }, 200);
        Assert.True(entries.Count < 50, $"{entries.Count} entries for 200 watches");
    }

    [Fact]
    public async Task Varying_the_reader_role_does_not_grow_the_file_without_bound()
    {
        var concern = await RaiseAsync();

        for (var i = 0; i < 60; i++)
            await hub.As(Hospital).Ledger.GetChildFileAsync(new GetChildFileRequest { ChildFileId = concern.ChildFileId, ReaderRole = $"role {i}" });

        var entries = await CountedAsync(concern.ChildFileId, r => r is { Call: "Ledger/GetChildFile", ReaderAgencyCode: Hospital, Purpose: "case-work" }, 60);
        Assert.True(entries.Count <= 2 * (10 + 1) + 2, $"{entries.Count} entries for 60 reads in 60 roles");
        Assert.Contains(entries, r => r.ReaderRole == "other roles");
    }

    /// <summary>Waits until the file's audit entries that match add up to <paramref name="reads"/> reads (counted reads
    /// are written when their window closes), and returns them.</summary>
    private async Task<List<ChildFileRead>> CountedAsync(string childFileId, Func<ChildFileRead, bool> match, int reads)
    {
        var last = new List<ChildFileRead>();
        try
        {
            await Eventually.TrueAsync(async () =>
            {
                var trail = await hub.As(Hospital).Ledger.ListChildFileReadsAsync(new ListChildFileReadsRequest { ChildFileId = childFileId, ReaderRole = "Audit check" });
                last = trail.Reads.Where(match).ToList();
                return last.Sum(r => r.ReadCount) >= reads;
            }, $"audit entries counting {reads} reads", Patience);
        }
        catch (TimeoutException)
        {
        }
        Assert.True(last.Sum(r => r.ReadCount) == reads,
            $"expected the entries to count {reads} reads; they count {last.Sum(r => r.ReadCount)} in {last.Count} entries: " +
            string.Join("; ", last.Select(r => $"{r.Call} {r.ReaderRole} {r.Purpose} x{r.ReadCount}")));
        return last;
    }

    private async Task<Concern> RaiseAsync(bool decided = false)
    {
        var request = Requests.HospitalReferral();
        request.Child.NhsNumber = NhsNumbers.New();
        var concern = await hub.As(Hospital).Concerns.RaiseConcernAsync(request);
        if (decided) await Requests.WatchUntilDecidedAsync(hub.Concerns, concern.ConcernId, Patience);
        return concern;
    }

    private static async Task FirstAsync<T>(Grpc.Core.AsyncServerStreamingCall<T> call)
    {
        using (call) Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
    }
}

/// <summary>Fresh valid NHS numbers (modulus 11), so each test has a child file of its own.</summary>
public static class NhsNumbers
{
    public static string New()
    {
        while (true)
        {
            var digits = Enumerable.Range(0, 9).Select(_ => Random.Shared.Next(10)).ToArray();
            if (digits.All(d => d == 0)) continue;
            var check = 11 - digits.Select((d, i) => d * (10 - i)).Sum() % 11;
            if (check == 10) continue;
            return string.Concat(digits) + (check == 11 ? 0 : check);
        }
    }
}
