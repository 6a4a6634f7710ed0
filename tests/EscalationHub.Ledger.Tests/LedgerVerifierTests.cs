using System.Security.Cryptography;
using System.Text;
using CsCheck;

namespace EscalationHub.Ledger.Tests;

public class LedgerVerifierTests
{
    private static readonly ECDsa HubKey = LedgerKeys.CreateP256();
    private static readonly DateTimeOffset Start = new(2026, 11, 25, 8, 0, 0, TimeSpan.Zero);

    private sealed record StoredLog(List<LedgerRow> Rows, SignedTreeHead Head, List<SignedTreeHead> HeadPerEntry)
    {
        public byte[] Bytes(int i) => Rows[i].EntryBytes!.Value.ToArray();
    }

    /// <summary>A log of real entries as the hub stores it: each row's bytes, the hash recorded with them, a signed head per append.</summary>
    private static StoredLog Log(int size)
    {
        const string childFile = "CF-4KQ7ZP2M";
        var rows = new List<LedgerRow>();
        var heads = new List<SignedTreeHead>();
        var frontier = new MerkleFrontier();
        for (var i = 0; i < size; i++)
        {
            var entry = new LedgerEntry(childFile, null, "discussion.recorded", i % 2 == 0 ? "RX1" : "LEICS-CSC", "Designated Nurse",
                Start.AddMinutes(i), Start.AddMinutes(i + 1), Encoding.UTF8.GetBytes($"{{\"note\":{i}}}"));
            rows.Add(LedgerRow.ForEntry(i, entry.ToCanonicalBytes(), entry.LeafHash));
            frontier.Append(entry.LeafHash);
            heads.Add(SignedTreeHead.Create(frontier.Size, frontier.RootHash, Start.AddMinutes(i + 1), HubKey));
        }
        return new StoredLog(rows, size == 0 ? SignedTreeHead.Create(0, TreeHasher.EmptyRoot, Start, HubKey) : heads[^1], heads);
    }

    private static LedgerVerificationResult Verify(IEnumerable<LedgerRow> rows, SignedTreeHead head, LedgerVerificationOptions? options = null) =>
        LedgerVerifier.Verify(rows, head, HubKey, options);

    private static LedgerRow Edited(StoredLog log, int i)
    {
        var bytes = log.Bytes(i);
        bytes[^2] ^= 0x01; // inside the payload
        return log.Rows[i] with { EntryBytes = bytes };
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(37)]
    public void An_intact_log_verifies_against_its_signed_tree_head(int size)
    {
        var log = Log(size);
        var result = Verify(log.Rows, log.Head);
        Assert.True(result.IsValid, result.ToString());
        Assert.Equal(size, result.EntriesVerified);
        Assert.Equal(log.Head.RootHash, result.ComputedRoot);
        Assert.Equal($"verified {size} entries: root {log.Head.RootHash} matches the signed tree head", result.ToString());
    }

    [Fact]
    public async Task An_intact_log_verifies_from_an_async_stream()
    {
        var log = Log(20);
        var result = await LedgerVerifier.VerifyAsync(log.Rows.ToAsyncEnumerable(), log.Head, HubKey);
        Assert.True(result.IsValid, result.ToString());
    }

    [Fact]
    public void An_edited_entry_is_named_as_the_first_bad_entry()
    {
        var log = Log(40);
        log.Rows[23] = Edited(log, 23);
        log.Rows[31] = Edited(log, 31);

        var result = Verify(log.Rows, log.Head);

        Assert.Equal(new LedgerFault(LedgerFaultKind.HashMismatch, 23, null, "payload does not match its recorded hash"), result.FirstFault);
        Assert.Equal("first bad entry: #23 (payload does not match its recorded hash)", result.ToString());
        Assert.Equal(23, result.EntriesVerified);
    }

    [Fact]
    public async Task An_edited_entry_is_found_the_same_way_in_an_async_stream()
    {
        var log = Log(40);
        log.Rows[5] = Edited(log, 5);
        var result = await LedgerVerifier.VerifyAsync(log.Rows.ToAsyncEnumerable(), log.Head, HubKey);
        Assert.Equal("first bad entry: #5 (payload does not match its recorded hash)", result.ToString());
    }

    [Fact]
    public void A_deleted_row_is_named_by_its_missing_sequence_number()
    {
        var log = Log(40);
        log.Rows.RemoveAt(17);
        var result = Verify(log.Rows, log.Head);
        Assert.Equal(LedgerFaultKind.MissingEntry, result.FirstFault?.Kind);
        Assert.Equal("first bad entry: #17 (missing or moved: row #18 stands in its place)", result.ToString());
    }

    [Fact]
    public void Deleting_the_newest_rows_is_reported_as_truncation_at_the_first_missing_entry()
    {
        var log = Log(40);
        var result = Verify(log.Rows.Take(36), log.Head);
        Assert.Equal(LedgerFaultKind.Truncated, result.FirstFault?.Kind);
        Assert.Equal("first bad entry: #36 (missing: the rows end after 36 entries but the signed tree head covers 40)", result.ToString());
    }

    [Fact]
    public void Swapped_rows_are_named_at_the_first_position_out_of_order()
    {
        var log = Log(40);
        (log.Rows[12], log.Rows[30]) = (log.Rows[30], log.Rows[12]);
        var result = Verify(log.Rows, log.Head);
        Assert.Equal("first bad entry: #12 (missing or moved: row #30 stands in its place)", result.ToString());
    }

    [Fact]
    public void A_repeated_row_is_reported_as_out_of_order()
    {
        var log = Log(10);
        log.Rows.Insert(4, log.Rows[3]);
        var result = Verify(log.Rows, log.Head);
        Assert.Equal(LedgerFaultKind.OutOfOrder, result.FirstFault?.Kind);
        Assert.Equal("first bad entry: #4 (row #3 stands in its place: rows are out of order or repeated)", result.ToString());
    }

    [Fact]
    public void Entries_swapped_with_their_hashes_and_sequence_numbers_kept_fail_the_signed_root()
    {
        var log = Log(40);
        (log.Rows[12], log.Rows[30]) = (log.Rows[30] with { Sequence = 12 }, log.Rows[12] with { Sequence = 30 });

        var result = Verify(log.Rows, log.Head);

        Assert.Equal(LedgerFaultKind.RootMismatch, result.FirstFault?.Kind);
        Assert.Equal((0L, 39L), (result.FirstFault!.Sequence, result.FirstFault.LastSequence));
        Assert.StartsWith("first bad entry: between #0 and #39 (the first 40 entries do not hash to the signed root", result.ToString());
        Assert.NotEqual(log.Head.RootHash, result.ComputedRoot);
    }

    [Fact]
    public void With_a_signed_head_per_append_a_swap_that_kept_the_hashes_consistent_is_named_exactly()
    {
        var log = Log(40);
        (log.Rows[12], log.Rows[30]) = (log.Rows[30] with { Sequence = 12 }, log.Rows[12] with { Sequence = 30 });

        var result = Verify(log.Rows, log.Head, new LedgerVerificationOptions { Checkpoints = log.HeadPerEntry });

        Assert.Equal(new LedgerFault(LedgerFaultKind.RootMismatch, 12, 12,
            "the first 13 entries do not hash to the signed root for that size: rows were altered together with their hashes, replaced or reordered"),
            result.FirstFault);
        Assert.StartsWith("first bad entry: #12 (", result.ToString());
        Assert.Equal(12, result.EntriesVerified);
    }

    [Fact]
    public void An_entry_edited_together_with_its_recorded_hash_is_narrowed_to_the_window_between_checkpoints()
    {
        var log = Log(40);
        var bytes = Edited(log, 25).EntryBytes!.Value;
        log.Rows[25] = LedgerRow.ForEntry(25, bytes, TreeHasher.HashLeaf(bytes.Span));
        var everyTenth = log.HeadPerEntry.Where(h => h.TreeSize % 10 == 0);

        var result = Verify(log.Rows, log.Head, new LedgerVerificationOptions { Checkpoints = everyTenth });

        Assert.Equal((LedgerFaultKind.RootMismatch, 20L, 29L), (result.FirstFault!.Kind, result.FirstFault.Sequence, result.FirstFault.LastSequence));
        Assert.StartsWith("first bad entry: between #20 and #29 (", result.ToString());
    }

    [Fact]
    public void A_deleted_row_renumbered_to_close_the_gap_is_named_by_the_checkpoints()
    {
        var log = Log(40);
        var renumbered = log.Rows.Where((_, i) => i != 17).Select((row, i) => row with { Sequence = i });
        var result = Verify(renumbered, log.Head, new LedgerVerificationOptions { Checkpoints = log.HeadPerEntry });
        Assert.Equal((LedgerFaultKind.RootMismatch, 17L, 17L), (result.FirstFault!.Kind, result.FirstFault.Sequence, result.FirstFault.LastSequence));
    }

    [Fact]
    public void A_tree_head_not_signed_by_the_hub_is_refused_before_reading_any_row()
    {
        var log = Log(5);
        using var impostor = LedgerKeys.CreateP256();
        var forged = SignedTreeHead.Create(log.Head.TreeSize, log.Head.RootHash, log.Head.Timestamp, impostor);

        var result = Verify(RowsThatMustNotBeRead(), forged);

        Assert.Equal(LedgerFaultKind.InvalidSignature, result.FirstFault?.Kind);
        Assert.Equal("the tree head for 5 entries is not signed by the hub's key", result.ToString());
    }

    [Fact]
    public void A_checkpoint_not_signed_by_the_hub_is_reported()
    {
        var log = Log(10);
        using var impostor = LedgerKeys.CreateP256();
        var bad = SignedTreeHead.Create(4, log.HeadPerEntry[3].RootHash, Start, impostor);
        var result = Verify(log.Rows, log.Head, new LedgerVerificationOptions { Checkpoints = [log.HeadPerEntry[1], bad] });
        Assert.Equal(LedgerFaultKind.InvalidCheckpoint, result.FirstFault?.Kind);
    }

    [Fact]
    public void Rows_appended_after_the_signed_head_are_not_read()
    {
        var log = Log(30);
        var olderHead = log.HeadPerEntry[19];
        var result = Verify(log.Rows.Take(20).Concat(RowsThatMustNotBeRead()), olderHead);
        Assert.True(result.IsValid, result.ToString());
        Assert.Equal(20, result.EntriesVerified);
    }

    [Fact]
    public void Rows_held_only_as_leaf_hashes_verify_alongside_full_entries()
    {
        // An agency replica holds the entries of its own children and only the hashes of the rest.
        var log = Log(25);
        var replica = log.Rows.Select((row, i) => i % 3 == 0 ? row : LedgerRow.ForLeafHash(i, row.RecordedLeafHash!));
        Assert.True(Verify(replica, log.Head).IsValid);
    }

    [Fact]
    public void Entry_bytes_without_a_recorded_hash_are_hashed_into_the_tree()
    {
        var log = Log(12);
        Assert.True(Verify(log.Rows.Select(r => r with { RecordedLeafHash = null }), log.Head).IsValid);
        var edited = log.Rows.Select((r, i) => (i == 7 ? Edited(log, 7) : r) with { RecordedLeafHash = null });
        Assert.Equal(LedgerFaultKind.RootMismatch, Verify(edited, log.Head).FirstFault?.Kind);
    }

    [Fact]
    public void A_row_with_neither_bytes_nor_hash_is_reported()
    {
        var log = Log(5);
        log.Rows[2] = new LedgerRow(2, null, null);
        Assert.Equal("first bad entry: #2 (the row has neither entry bytes nor a leaf hash)", Verify(log.Rows, log.Head).ToString());
    }

    [Fact]
    public void Progress_is_reported_every_interval_and_at_the_end()
    {
        var log = Log(35);
        var reports = new List<LedgerVerificationProgress>();
        Verify(log.Rows, log.Head, new LedgerVerificationOptions { Progress = reports.Add, ProgressInterval = 10 });
        Assert.Equal([10L, 20L, 30L, 35L], reports.Select(r => r.EntriesVerified));
        Assert.All(reports, r => Assert.Equal(35, r.TotalEntries));
        Assert.Equal(1.0, reports[^1].Fraction);
    }

    [Fact]
    public async Task Verification_can_be_cancelled()
    {
        var log = Log(3);
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.Throws<OperationCanceledException>(() => LedgerVerifier.Verify(log.Rows, log.Head, HubKey, cancellationToken: cancelled.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => LedgerVerifier.VerifyAsync(log.Rows.ToAsyncEnumerable(), log.Head, HubKey, cancellationToken: cancelled.Token));
    }

    private enum Tamper { Edit, Delete, Swap, Duplicate }

    [Fact]
    public void Whatever_single_row_is_tampered_with_the_first_bad_entry_is_the_first_position_touched()
    {
        var logs = Enumerable.Range(0, 61).Select(Log).ToArray();
        (from size in Gen.Int[2, 60]
         from tamper in Gen.Enum<Tamper>()
         from a in Gen.Int[0, size - 1]
         from b in Gen.Int[0, size - 1]
         where tamper != Tamper.Swap || a != b
         select (size, tamper, a, b)).Sample(s =>
        {
            var log = logs[s.size];
            var rows = log.Rows.ToList();
            var first = s.a;
            switch (s.tamper)
            {
                case Tamper.Edit: rows[s.a] = Edited(log, s.a); break;
                case Tamper.Delete: rows.RemoveAt(s.a); break;
                case Tamper.Swap: (rows[s.a], rows[s.b]) = (rows[s.b], rows[s.a]); first = Math.Min(s.a, s.b); break;
                case Tamper.Duplicate: rows.Insert(s.a, rows[s.a]); first = s.a + 1; break;
            }
            var result = Verify(rows, log.Head);
            if (first >= s.size)
            {
                Assert.True(result.IsValid); // a duplicate after the last entry is beyond the head
                return;
            }
            Assert.False(result.IsValid);
            Assert.Equal(first, result.FirstFault!.Sequence);
        }, iter: 300);
    }

    private static IEnumerable<LedgerRow> RowsThatMustNotBeRead()
    {
        throw new InvalidOperationException("the verifier read a row it had no business reading");
#pragma warning disable CS0162 // Unreachable code: makes this an iterator that throws on first MoveNext.
        yield break;
#pragma warning restore CS0162
    }
}
