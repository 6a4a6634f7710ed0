using System.Security.Cryptography;

namespace EscalationHub.Ledger;

/// <summary>
/// Verifies a whole stored log against a signed tree head in one streaming pass: each row's
/// entry bytes are re-hashed and checked against the hash recorded with them, sequence numbers
/// must run 0, 1, 2... and the leaves are folded into a <see cref="MerkleFrontier"/>, so memory
/// is O(log n) however long the log. It stops at the first fault and names it.
/// </summary>
public static class LedgerVerifier
{
    public static LedgerVerificationResult Verify(
        IEnumerable<LedgerRow> rows, SignedTreeHead head, ECDsa hubPublicKey,
        LedgerVerificationOptions? options = null, CancellationToken cancellationToken = default)
    {
        using var pass = new Pass(head, hubPublicKey, options ?? new LedgerVerificationOptions());
        if (pass.Start() is { } refused) return refused;
        if (!pass.Done)
        {
            foreach (var row in rows)
            {
                if ((pass.Count & 1023) == 0) cancellationToken.ThrowIfCancellationRequested();
                if (pass.Accept(row) is { } faulted) return faulted;
                if (pass.Done) break;
            }
        }
        return pass.Finish();
    }

    public static async Task<LedgerVerificationResult> VerifyAsync(
        IAsyncEnumerable<LedgerRow> rows, SignedTreeHead head, ECDsa hubPublicKey,
        LedgerVerificationOptions? options = null, CancellationToken cancellationToken = default)
    {
        using var pass = new Pass(head, hubPublicKey, options ?? new LedgerVerificationOptions());
        if (pass.Start() is { } refused) return refused;
        if (!pass.Done)
        {
            await foreach (var row in rows.WithCancellation(cancellationToken))
            {
                // Not every async source honours the token it is given.
                if ((pass.Count & 1023) == 0) cancellationToken.ThrowIfCancellationRequested();
                if (pass.Accept(row) is { } faulted) return faulted;
                if (pass.Done) break;
            }
        }
        return pass.Finish();
    }

    private sealed class Pass(SignedTreeHead head, ECDsa hubPublicKey, LedgerVerificationOptions options) : IDisposable
    {
        private readonly MerkleFrontier frontier = new();
        private readonly IEnumerator<SignedTreeHead> checkpoints = options.Checkpoints.GetEnumerator();
        private SignedTreeHead? nextCheckpoint;
        private long lastCheckpointSize = -1;
        // Entries before this index are covered by a verified checkpoint root.
        private long trustedPrefix;

        public long Count => frontier.Size;

        // Rows past the head's size are newer than the head: they are not read at all.
        public bool Done => frontier.Size == head.TreeSize;

        public LedgerVerificationResult? Start()
        {
            if (!head.VerifySignature(hubPublicKey))
                return Fail(new LedgerFault(LedgerFaultKind.InvalidSignature, null, null,
                    $"the tree head for {head.TreeSize} entries is not signed by the hub's key"));
            return CheckCheckpoints();
        }

        public LedgerVerificationResult? Accept(LedgerRow row)
        {
            var expected = frontier.Size;
            if (row.Sequence != expected)
            {
                return row.Sequence > expected
                    ? Fail(new LedgerFault(LedgerFaultKind.MissingEntry, expected, null, $"missing or moved: row #{row.Sequence} stands in its place"))
                    : Fail(new LedgerFault(LedgerFaultKind.OutOfOrder, expected, null,
                        $"row #{row.Sequence} stands in its place: rows are out of order or repeated"));
            }

            MerkleHash leafHash;
            if (row.EntryBytes is { } bytes)
            {
                leafHash = TreeHasher.HashLeaf(bytes.Span);
                if (row.RecordedLeafHash is { } recorded && recorded != leafHash)
                    return Fail(new LedgerFault(LedgerFaultKind.HashMismatch, expected, null, "payload does not match its recorded hash"));
            }
            else if (row.RecordedLeafHash is { } recorded)
            {
                leafHash = recorded;
            }
            else
            {
                return Fail(new LedgerFault(LedgerFaultKind.MalformedRow, expected, null, "the row has neither entry bytes nor a leaf hash"));
            }

            frontier.Append(leafHash);
            if (options.Progress is { } progress && options.ProgressInterval > 0 && frontier.Size % options.ProgressInterval == 0 && !Done)
                progress(new LedgerVerificationProgress(frontier.Size, head.TreeSize));
            return CheckCheckpoints();
        }

        public LedgerVerificationResult Finish()
        {
            if (frontier.Size < head.TreeSize)
            {
                return Fail(new LedgerFault(LedgerFaultKind.Truncated, frontier.Size, null,
                    $"missing: the rows end after {frontier.Size} entries but the signed tree head covers {head.TreeSize}"));
            }
            var root = frontier.RootHash;
            if (root != head.RootHash)
                return Fail(RootMismatch(head.TreeSize));
            options.Progress?.Invoke(new LedgerVerificationProgress(frontier.Size, head.TreeSize));
            return new LedgerVerificationResult(head.TreeSize, frontier.Size, root, null);
        }

        // Checks every checkpoint whose size the stream has just reached.
        private LedgerVerificationResult? CheckCheckpoints()
        {
            while (true)
            {
                if (nextCheckpoint is null)
                {
                    if (!checkpoints.MoveNext()) return null;
                    nextCheckpoint = checkpoints.Current;
                    if (nextCheckpoint.TreeSize < lastCheckpointSize)
                        throw new ArgumentException("checkpoints must be in ascending size order", nameof(options));
                    lastCheckpointSize = nextCheckpoint.TreeSize;
                }
                var checkpoint = nextCheckpoint;
                if (checkpoint.TreeSize > frontier.Size || checkpoint.TreeSize > head.TreeSize) return null;
                nextCheckpoint = null;
                if (!checkpoint.VerifySignature(hubPublicKey))
                    return Fail(new LedgerFault(LedgerFaultKind.InvalidCheckpoint, null, null,
                        $"the checkpoint for {checkpoint.TreeSize} entries is not signed by the hub's key"));
                if (frontier.RootHash != checkpoint.RootHash)
                    return Fail(RootMismatch(checkpoint.TreeSize));
                trustedPrefix = checkpoint.TreeSize;
            }
        }

        private LedgerFault RootMismatch(long size) =>
            new(LedgerFaultKind.RootMismatch, size == 0 ? null : trustedPrefix, size == 0 ? null : size - 1,
                $"the first {size} entries do not hash to the signed root for that size: rows were altered together with their hashes, replaced or reordered");

        private LedgerVerificationResult Fail(LedgerFault fault)
        {
            // EntriesVerified counts the entries before the fault; for a root mismatch only the trusted prefix is known good.
            var verified = fault.Kind == LedgerFaultKind.RootMismatch ? trustedPrefix : fault.Sequence ?? 0;
            return new LedgerVerificationResult(head.TreeSize, verified, fault.Kind == LedgerFaultKind.RootMismatch ? frontier.RootHash : null, fault);
        }

        public void Dispose() => checkpoints.Dispose();
    }
}
