namespace EscalationHub.Ledger.Tests;

public class MerkleLogTests
{
    /// <summary>Counts round trips and nodes read, to pin down the O(log n) cost.</summary>
    private sealed class CountingStore : IMerkleNodeStore
    {
        private readonly InMemoryMerkleNodeStore inner = new();
        public int Reads { get; private set; }
        public int NodesRead { get; private set; }
        public List<int> PutSizes { get; } = [];

        public ValueTask<long> GetLeafCountAsync(CancellationToken cancellationToken = default) => inner.GetLeafCountAsync(cancellationToken);

        public ValueTask<IReadOnlyList<MerkleHash>> GetAsync(IReadOnlyList<MerkleNodeId> ids, CancellationToken cancellationToken = default)
        {
            Reads++;
            NodesRead += ids.Count;
            return inner.GetAsync(ids, cancellationToken);
        }

        public ValueTask PutAsync(IReadOnlyList<MerkleNode> nodes, CancellationToken cancellationToken = default)
        {
            PutSizes.Add(nodes.Count);
            return inner.PutAsync(nodes, cancellationToken);
        }

        public void Reset() => (Reads, NodesRead) = (0, 0);
    }

    private static async Task<(MerkleLog Log, CountingStore Store, MerkleHash[] Leaves)> CountingLogAsync(int size)
    {
        var store = new CountingStore();
        var log = new MerkleLog(store);
        var leaves = TestLogs.DistinctLeaves(size, 1);
        foreach (var chunk in leaves.Chunk(1000))
            await log.AppendAsync(chunk);
        store.Reset();
        return (log, store, leaves);
    }

    [Fact]
    public async Task Roots_and_proofs_read_a_logarithmic_number_of_nodes_in_one_batch()
    {
        const int size = 100_000; // 17 levels
        var (log, store, leaves) = await CountingLogAsync(size);
        var root = await log.GetRootAsync(size);
        Assert.Equal((1, 6), (store.Reads, store.NodesRead)); // 100000 has six bits set

        foreach (var (index, treeSize) in new[] { (0L, 100_000L), (99_999L, 100_000L), (54_321L, 99_999L), (65_536L, 65_537L) })
        {
            store.Reset();
            var proof = await log.GetInclusionProofAsync(index, treeSize);
            Assert.Equal(1, store.Reads);
            Assert.InRange(store.NodesRead, proof.Path.Count, 2 * 17);
            Assert.True(proof.Verify(leaves[index], await log.GetRootAsync(treeSize)));
        }

        foreach (var (first, second) in new[] { (1L, 100_000L), (65_535L, 100_000L), (77_777L, 99_999L) })
        {
            store.Reset();
            var proof = await log.GetConsistencyProofAsync(first, second);
            Assert.Equal(1, store.Reads);
            Assert.InRange(store.NodesRead, proof.Path.Count, 2 * 17);
            Assert.True(proof.Verify(await log.GetRootAsync(first), await log.GetRootAsync(second)));
        }
        Assert.Equal(root, Rfc6962Reference.Mth(leaves));
    }

    [Fact]
    public async Task An_append_reads_only_the_frontier_and_writes_each_leaf_and_every_subtree_it_completes()
    {
        var (log, store, _) = await CountingLogAsync(1023); // ten perfect subtrees on the frontier
        var result = await log.AppendAsync([TreeHasher.HashLeaf([1])]);

        Assert.Equal((1, 10), (store.Reads, store.NodesRead));
        // Leaf 1023 completes subtrees of 2, 4, ... 1024 leaves: eleven nodes in one put.
        Assert.Equal(11, store.PutSizes[^1]);
        Assert.Equal(Enumerable.Range(0, 11).Select(l => new MerkleNodeId(l, 1023L >> l)), result.StoredNodes.Select(n => n.Id));
        Assert.Equal(new MerkleNodeId(10, 0), result.StoredNodes[^1].Id);
        Assert.Equal(result.RootHash, result.StoredNodes[^1].Hash);
    }

    [Fact]
    public async Task A_new_log_over_the_same_store_carries_on_where_the_last_one_stopped()
    {
        var store = new InMemoryMerkleNodeStore();
        var leaves = TestLogs.DistinctLeaves(50, 9);
        await new MerkleLog(store).AppendAsync(leaves[..23]);
        var result = await new MerkleLog(store).AppendAsync(leaves[23..]);
        Assert.Equal((23L, 50L), (result.PreviousSize, result.Size));
        Assert.Equal(Rfc6962Reference.Mth(leaves), result.RootHash);
    }

    [Fact]
    public async Task Appending_nothing_changes_nothing()
    {
        var log = TestLogs.Build(TestLogs.DistinctLeaves(5, 2));
        var result = await log.AppendAsync([]);
        Assert.Equal((5L, 5L), (result.PreviousSize, result.Size));
        Assert.Empty(result.StoredNodes);
        Assert.Equal(await log.GetRootAsync(5), result.RootHash);
    }

    [Fact]
    public async Task The_stored_leaf_hash_of_any_entry_can_be_read_back()
    {
        var leaves = TestLogs.DistinctLeaves(9, 4);
        var log = TestLogs.Build(leaves, 4);
        for (var i = 0; i < leaves.Length; i++)
            Assert.Equal(leaves[i], await log.GetLeafHashAsync(i));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await log.GetLeafHashAsync(9));
    }

    [Fact]
    public async Task Proofs_and_roots_beyond_the_current_size_are_refused()
    {
        var log = TestLogs.Build(TestLogs.DistinctLeaves(8, 3));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await log.GetRootAsync(9));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await log.GetInclusionProofAsync(8, 8));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await log.GetInclusionProofAsync(2, 9));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await log.GetInclusionProofAsync(-1, 8));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await log.GetConsistencyProofAsync(5, 9));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await log.GetConsistencyProofAsync(6, 5));
    }

    [Fact]
    public async Task Consistency_from_the_empty_tree_or_to_the_same_size_has_an_empty_proof()
    {
        var log = TestLogs.Build(TestLogs.DistinctLeaves(8, 3));
        Assert.Empty((await log.GetConsistencyProofAsync(0, 8)).Path);
        Assert.Empty((await log.GetConsistencyProofAsync(5, 5)).Path);
        Assert.True((await log.GetConsistencyProofAsync(0, 0)).Verify(TreeHasher.EmptyRoot, TreeHasher.EmptyRoot));
    }

    [Fact]
    public async Task The_store_refuses_a_write_that_would_fork_the_tree_and_keeps_what_it_had()
    {
        var store = new InMemoryMerkleNodeStore();
        var log = new MerkleLog(store);
        await log.AppendAsync(TestLogs.DistinctLeaves(3, 5));
        var root = await log.GetRootAsync(3);

        // A second writer that read the size before the first appended.
        var stale = new MerkleFrontier();
        var nodes = new List<MerkleNode>();
        foreach (var leaf in TestLogs.DistinctLeaves(2, 6)) stale.Append(leaf, nodes.Add);

        await Assert.ThrowsAsync<InvalidOperationException>(async () => await store.PutAsync(nodes));
        Assert.Equal(3, await store.GetLeafCountAsync());
        Assert.Equal(root, await log.GetRootAsync(3));
    }

    [Fact]
    public async Task Racing_writers_never_fork_the_tree_because_every_losing_append_is_refused()
    {
        var store = new InMemoryMerkleNodeStore();
        var appended = 0;
        var refused = 0;
        await Task.WhenAll(Enumerable.Range(0, 8).Select(writer => Task.Run(async () =>
        {
            var log = new MerkleLog(store);
            foreach (var leaf in TestLogs.DistinctLeaves(200, 1000 + writer))
            {
                try
                {
                    await log.AppendAsync([leaf]);
                    Interlocked.Increment(ref appended);
                }
                catch (InvalidOperationException)
                {
                    Interlocked.Increment(ref refused);
                }
            }
        })));

        var reader = new MerkleLog(store);
        var size = await reader.GetSizeAsync();
        Assert.Equal(appended, size);
        Assert.Equal(8 * 200, appended + refused);
        var leaves = new List<MerkleHash>();
        for (var i = 0; i < size; i++) leaves.Add(await reader.GetLeafHashAsync(i));
        Assert.Equal(Rfc6962Reference.Mth(leaves), await reader.GetRootAsync(size));
    }

    [Fact]
    public async Task Proofs_verify_against_signed_tree_heads_of_the_same_size_only()
    {
        using var hub = LedgerKeys.CreateP256();
        var leaves = TestLogs.DistinctLeaves(20, 8);
        var log = TestLogs.Build(leaves, 7);
        var head12 = SignedTreeHead.Create(12, await log.GetRootAsync(12), DateTimeOffset.UnixEpoch, hub);
        var head20 = SignedTreeHead.Create(20, await log.GetRootAsync(20), DateTimeOffset.UnixEpoch, hub);

        Assert.True((await log.GetInclusionProofAsync(4, 20)).VerifyAgainst(leaves[4], head20));
        Assert.False((await log.GetInclusionProofAsync(4, 12)).VerifyAgainst(leaves[4], head20));
        Assert.True((await log.GetConsistencyProofAsync(12, 20)).VerifyAgainst(head12, head20));
        Assert.False((await log.GetConsistencyProofAsync(12, 20)).VerifyAgainst(head20, head12));
    }

    [Fact]
    public void The_frontier_resumes_from_the_perfect_subtrees_of_a_size()
    {
        var leaves = TestLogs.DistinctLeaves(13, 11);
        var whole = new MerkleFrontier();
        foreach (var leaf in leaves[..11]) whole.Append(leaf);

        var resumed = new MerkleFrontier(11, [.. whole.Subtrees.Select(s => s.Hash)]);
        Assert.Equal([new MerkleNodeId(3, 0), new MerkleNodeId(1, 4), new MerkleNodeId(0, 10)], resumed.Subtrees.Select(s => s.Id));
        foreach (var leaf in leaves[11..]) resumed.Append(leaf);
        Assert.Equal(Rfc6962Reference.Mth(leaves), resumed.RootHash);
        Assert.Throws<ArgumentException>(() => new MerkleFrontier(11, [leaves[0]]));
    }

    [Fact]
    public void A_hash_is_exactly_32_bytes_and_compares_by_value()
    {
        Assert.Throws<ArgumentException>(() => MerkleHash.FromBytes(new byte[31]));
        Assert.Throws<ArgumentException>(() => MerkleHash.FromBytes(new byte[33]));
        var a = MerkleHash.FromHex(CtTestVectors.RootsHex[0]);
        var b = MerkleHash.FromHex(CtTestVectors.RootsHex[0].ToUpperInvariant());
        Assert.True(a == b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.Equal(CtTestVectors.RootsHex[0], b.ToString());
        var bytes = a.ToArray();
        bytes[0] ^= 1;
        Assert.Equal(CtTestVectors.RootsHex[0], a.ToHex()); // ToArray hands out a copy
    }
}
