using System.Security.Cryptography;
using static EscalationHub.Ledger.Tests.CtTestVectors;

namespace EscalationHub.Ledger.Tests;

public class CtTestVectorTests
{
    private static readonly MerkleHash SomeHash = MerkleHash.FromHex("abacaba000000000000000000000000000000000000000000060061e00123456");

    private static async Task<MerkleLog> CtLogAsync()
    {
        var log = new MerkleLog(new InMemoryMerkleNodeStore());
        await log.AppendAsync([.. LeafInputs.Select(l => TreeHasher.HashLeaf(l))]);
        return log;
    }

    [Fact]
    public void The_empty_tree_hashes_to_sha256_of_the_empty_string()
    {
        Assert.Equal(EmptyRootHex, TreeHasher.EmptyRoot.ToHex());
        Assert.Equal(SHA256.HashData([]), TreeHasher.EmptyRoot.ToArray());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    [InlineData(4095)]
    [InlineData(4096)]
    [InlineData(100_000)]
    public void A_leaf_hash_is_sha256_of_zero_byte_then_the_entry_whatever_its_length(int length)
    {
        var entry = new byte[length];
        Random.Shared.NextBytes(entry);
        Assert.Equal(SHA256.HashData([0x00, .. entry]), TreeHasher.HashLeaf(entry).ToArray());
    }

    [Fact]
    public void A_node_hash_is_sha256_of_one_byte_then_both_children()
    {
        var (left, right) = (LeafHash(0), LeafHash(1));
        Assert.Equal(SHA256.HashData([0x01, .. left.Span, .. right.Span]), TreeHasher.HashChildren(left, right).ToArray());
    }

    [Fact]
    public async Task Appending_one_leaf_at_a_time_gives_the_published_root_for_every_size()
    {
        var log = new MerkleLog(new InMemoryMerkleNodeStore());
        Assert.Equal(Root(0), await log.GetRootAsync(0));
        for (var size = 1; size <= 8; size++)
        {
            var result = await log.AppendAsync([LeafHash(size - 1)]);
            Assert.Equal(RootsHex[size - 1], result.RootHash.ToHex());
        }
    }

    [Fact]
    public async Task Every_earlier_root_can_be_recomputed_after_the_log_has_grown()
    {
        var log = await CtLogAsync();
        for (var size = 0; size <= 8; size++)
            Assert.Equal(Root(size), await log.GetRootAsync(size));
    }

    [Fact]
    public void The_recursive_reference_gives_the_published_roots()
    {
        var leaves = Enumerable.Range(0, 8).Select(i => LeafHash(i)).ToList();
        for (var size = 0; size <= 8; size++)
            Assert.Equal(Root(size), Rfc6962Reference.Mth(leaves[..size]));
    }

    [Fact]
    public async Task The_log_stores_exactly_the_published_complete_subtree_hashes()
    {
        var store = new InMemoryMerkleNodeStore();
        var result = await new MerkleLog(store).AppendAsync([.. LeafInputs.Select(l => TreeHasher.HashLeaf(l))]);

        var expected = NodeHashesHex.SelectMany((level, l) => level.Select((hex, i) => (new MerkleNodeId(l, i), hex)));
        Assert.Equal(expected.OrderBy(n => n.Item1.Level).ThenBy(n => n.Item1.Index),
            result.StoredNodes.Select(n => (n.Id, n.Hash.ToHex())).OrderBy(n => n.Id.Level).ThenBy(n => n.Id.Index));
    }

    public static TheoryData<int> InclusionVectorIndexes => [.. Enumerable.Range(0, InclusionProofs.Length)];

    public static TheoryData<int> ConsistencyVectorIndexes => [.. Enumerable.Range(0, ConsistencyProofs.Length)];

    [Theory]
    [MemberData(nameof(InclusionVectorIndexes))]
    public async Task The_log_produces_the_published_inclusion_proof(int vector)
    {
        var (index, size, path) = InclusionProofs[vector];
        var proof = await (await CtLogAsync()).GetInclusionProofAsync(index, size);
        Assert.Equal(path, proof.Path.Select(h => h.ToHex()));
    }

    [Theory]
    [MemberData(nameof(InclusionVectorIndexes))]
    public void The_published_inclusion_proof_verifies_and_every_corruption_of_it_fails(int vector)
    {
        var (index, size, pathHex) = InclusionProofs[vector];
        var path = Hashes(pathHex);
        var root = Root(size);
        var leaf = LeafHash(index);
        Assert.Equal(root, ProofVerifier.RootFromInclusionProof(index, size, leaf, path));
        Assert.True(ProofVerifier.VerifyInclusion(index, size, leaf, path, root));

        // The probes of the reference implementation's verifier tests.
        var probes = new List<(string, long, long, MerkleHash, MerkleHash, MerkleHash[])>
        {
            ("index - 1", index - 1, size, root, leaf, path),
            ("index + 1", index + 1, size, root, leaf, path),
            ("index ^ 2", index ^ 2, size, root, leaf, path),
            ("size * 2", index, size * 2, root, leaf, path),
            ("size / 2", index, size / 2, root, leaf, path),
            ("wrong leaf", index, size, root, TreeHasher.HashLeaf("WrongLeaf"u8), path),
            ("empty root", index, size, TreeHasher.EmptyRoot, leaf, path),
            ("random root", index, size, SomeHash, leaf, path),
            ("trailing root", index, size, root, leaf, [.. path, root]),
            ("preceding root", index, size, root, leaf, [root, .. path]),
        };
        for (var i = 0; i < path.Length; i++)
            probes.Add(($"proof[{i}] bit 3 flipped", index, size, root, leaf, path.Select((h, j) => j == i ? FlipBit(h, 3) : h).ToArray()));
        if (path.Length > 0)
            probes.Add(("removed component", index, size, root, leaf, path[..^1]));
        if (path.Length > 1)
            probes.Add(("inserted component", index, size, root, leaf, [path[0], SomeHash, .. path[1..]]));

        var accepted = probes.Where(p => ProofVerifier.VerifyInclusion(p.Item2, p.Item3, p.Item5, p.Item6, p.Item4)).Select(p => p.Item1);
        Assert.Empty(accepted);
    }

    [Theory]
    [MemberData(nameof(ConsistencyVectorIndexes))]
    public async Task The_log_produces_the_published_consistency_proof(int vector)
    {
        var (first, second, path) = ConsistencyProofs[vector];
        var proof = await (await CtLogAsync()).GetConsistencyProofAsync(first, second);
        Assert.Equal(path, proof.Path.Select(h => h.ToHex()));
    }

    [Theory]
    [MemberData(nameof(ConsistencyVectorIndexes))]
    public void The_published_consistency_proof_verifies_and_every_corruption_of_it_fails(int vector)
    {
        var (first, second, pathHex) = ConsistencyProofs[vector];
        var path = Hashes(pathHex);
        var (root1, root2) = (Root(first), Root(second));
        Assert.True(ProofVerifier.VerifyConsistency(first, second, path, root1, root2));
        if (path.Length == 0) return;

        var wrongRoot = TreeHasher.HashLeaf("WrongRoot"u8);
        var probes = new List<(string, long, long, MerkleHash, MerkleHash, MerkleHash[])>
        {
            ("size1 - 1", first - 1, second, root1, root2, path),
            ("size1 + 1", first + 1, second, root1, root2, path),
            ("size1 ^ 2", first ^ 2, second, root1, root2, path),
            ("size2 * 2", first, second * 2, root1, root2, path),
            ("size2 / 2", first, second / 2, root1, root2, path),
            ("wrong root1", first, second, wrongRoot, root2, path),
            ("wrong root2", first, second, root1, wrongRoot, path),
            ("swapped roots", first, second, root2, root1, path),
            ("empty proof", first, second, root1, root2, []),
            ("trailing root1", first, second, root1, root2, [.. path, root1]),
            ("trailing root2", first, second, root1, root2, [.. path, root2]),
            ("preceding root1", first, second, root1, root2, [root1, .. path]),
            ("preceding root2", first, second, root1, root2, [root2, .. path]),
            ("preceding proof[0]", first, second, root1, root2, [path[0], .. path]),
            ("truncated proof", first, second, root1, root2, path[..^1]),
        };
        for (var i = 0; i < path.Length; i++)
            probes.Add(($"proof[{i}] bit 4 flipped", first, second, root1, root2, path.Select((h, j) => j == i ? FlipBit(h, 4) : h).ToArray()));

        var accepted = probes.Where(p => ProofVerifier.VerifyConsistency(p.Item2, p.Item3, p.Item6, p.Item4, p.Item5)).Select(p => p.Item1);
        Assert.Empty(accepted);
    }

    [Theory]
    [InlineData(0, 0, true)]
    [InlineData(0, 1, true)]
    [InlineData(1, 1, true)]
    [InlineData(1, 0, false)]
    [InlineData(2, 1, false)]
    [InlineData(1, 2, false)] // sizes differ, so an empty proof proves nothing
    public void Trivial_consistency_needs_an_empty_proof_and_equal_roots_for_equal_sizes(long first, long second, bool consistent)
    {
        var root = first == second ? Root(first) : SomeHash;
        Assert.Equal(consistent, ProofVerifier.VerifyConsistency(first, second, [], root, first == second ? root : TreeHasher.EmptyRoot));
    }

    [Fact]
    public void Equal_sizes_with_different_roots_or_a_non_empty_proof_are_not_consistent()
    {
        Assert.False(ProofVerifier.VerifyConsistency(1, 1, [], Root(1), Root(2)));
        Assert.False(ProofVerifier.VerifyConsistency(1, 1, [TreeHasher.EmptyRoot], Root(1), Root(1)));
        Assert.False(ProofVerifier.VerifyConsistency(0, 1, [TreeHasher.EmptyRoot], TreeHasher.EmptyRoot, Root(1)));
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(1, 0)]
    [InlineData(2, 1)]
    [InlineData(-1, 1)]
    public void An_index_outside_the_tree_never_verifies(long index, long size) =>
        Assert.False(ProofVerifier.VerifyInclusion(index, size, SomeHash, [], SomeHash));

    internal static MerkleHash FlipBit(MerkleHash hash, int bit)
    {
        var bytes = hash.ToArray();
        bytes[0] ^= (byte)(1 << bit);
        return MerkleHash.FromBytes(bytes);
    }
}
