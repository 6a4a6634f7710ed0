using CsCheck;
using static EscalationHub.Ledger.Tests.CtTestVectorTests;

namespace EscalationHub.Ledger.Tests;

public class MerkleLogPropertyTests
{
    private sealed record Tree(MerkleHash[] Leaves, MerkleLog Log, int Batch)
    {
        public int Size => Leaves.Length;
        public MerkleHash Root(long size) => Log.GetRootAsync(size).Run();
        public override string ToString() => $"{Size} leaves appended in batches of {Batch}";
    }

    private static readonly Gen<Tree> GenTree =
        from size in Gen.Int[1, 300]
        from salt in Gen.Int
        from batch in Gen.Int[1, 64]
        let leaves = TestLogs.DistinctLeaves(size, salt)
        select new Tree(leaves, TestLogs.Build(leaves, batch), batch);

    [Fact]
    public void The_incremental_root_of_every_size_equals_the_recursive_reference()
    {
        GenTree.Sample(tree =>
        {
            for (var size = 0; size <= tree.Size; size++)
                Assert.Equal(Rfc6962Reference.Mth(tree.Leaves[..size]), tree.Root(size));
        }, iter: 50);
    }

    [Fact]
    public void Each_append_batch_reports_the_root_of_the_grown_log()
    {
        (from size in Gen.Int[1, 300] from batch in Gen.Int[1, 64] select (size, batch)).Sample((size, batch) =>
        {
            var leaves = TestLogs.DistinctLeaves(size, size);
            var log = new MerkleLog(new InMemoryMerkleNodeStore());
            var appended = 0;
            foreach (var chunk in leaves.Chunk(batch))
            {
                var result = log.AppendAsync(chunk).Run();
                Assert.Equal(appended, result.PreviousSize);
                appended += chunk.Length;
                Assert.Equal(appended, result.Size);
                Assert.Equal(Rfc6962Reference.Mth(leaves[..appended]), result.RootHash);
            }
        }, iter: 50);
    }

    [Fact]
    public void Every_inclusion_proof_is_the_rfc_path_and_verifies()
    {
        GenTree.Sample(tree =>
        {
            var root = tree.Root(tree.Size);
            for (var index = 0; index < tree.Size; index++)
            {
                var proof = tree.Log.GetInclusionProofAsync(index, tree.Size).Run();
                Assert.Equal(Rfc6962Reference.Path(index, tree.Leaves), proof.Path);
                Assert.True(proof.Verify(tree.Leaves[index], root));
            }
        }, iter: 50);
    }

    [Fact]
    public void Every_inclusion_proof_into_every_earlier_tree_size_verifies()
    {
        GenTree.Sample(tree =>
        {
            for (var size = 1; size <= tree.Size; size++)
            {
                var root = tree.Root(size);
                for (var index = 0; index < size; index++)
                    Assert.True(tree.Log.GetInclusionProofAsync(index, size).Run().Verify(tree.Leaves[index], root));
            }
        }, iter: 10);
    }

    [Fact]
    public void Every_consistency_proof_is_the_rfc_proof_and_verifies()
    {
        GenTree.Sample(tree =>
        {
            var root = tree.Root(tree.Size);
            for (var first = 0; first <= tree.Size; first++)
            {
                var proof = tree.Log.GetConsistencyProofAsync(first, tree.Size).Run();
                Assert.Equal(Rfc6962Reference.Proof(first, tree.Leaves), proof.Path);
                Assert.True(proof.Verify(tree.Root(first), root));
            }
        }, iter: 50);
    }

    [Fact]
    public void Every_consistency_proof_between_any_two_sizes_verifies()
    {
        GenTree.Sample(tree =>
        {
            var roots = Enumerable.Range(0, tree.Size + 1).Select(s => tree.Root(s)).ToArray();
            for (var second = 0; second <= tree.Size; second++)
                for (var first = 0; first <= second; first++)
                    Assert.True(tree.Log.GetConsistencyProofAsync(first, second).Run().Verify(roots[first], roots[second]));
        }, iter: 10);
    }

    [Fact]
    public void Consistency_proofs_for_all_pairs_of_small_sizes_match_the_reference()
    {
        var leaves = TestLogs.DistinctLeaves(70, 7);
        var log = TestLogs.Build(leaves, 3);
        for (var second = 0; second <= leaves.Length; second++)
            for (var first = 0; first <= second; first++)
                Assert.Equal(Rfc6962Reference.Proof(first, leaves[..second]), log.GetConsistencyProofAsync(first, second).Run().Path);
    }

    private static readonly Gen<(Tree Tree, int Size, int Index)> GenLeafInTree =
        from tree in GenTree
        from size in Gen.Int[1, tree.Size]
        from index in Gen.Int[0, size - 1]
        select (tree, size, index);

    [Fact]
    public void An_inclusion_proof_fails_for_a_changed_leaf()
    {
        (from t in GenLeafInTree from salt in Gen.Int select (t, salt)).Sample(s =>
        {
            var (tree, size, index) = s.t;
            var proof = tree.Log.GetInclusionProofAsync(index, size).Run();
            var changed = TreeHasher.HashLeaf([.. BitConverter.GetBytes(s.salt), 0xFF]);
            Assert.False(proof.Verify(changed, tree.Root(size)));
        });
    }

    [Fact]
    public void An_inclusion_proof_fails_when_any_sibling_hash_is_changed()
    {
        (from t in GenLeafInTree where t.Size > 1 from which in Gen.Int[0, 63] from bit in Gen.Int[0, 7] select (t, which, bit)).Sample(s =>
        {
            var (tree, size, index) = s.t;
            var proof = tree.Log.GetInclusionProofAsync(index, size).Run();
            var at = s.which % proof.Path.Count;
            var tampered = proof with { Path = [.. proof.Path.Select((h, i) => i == at ? FlipBit(h, s.bit) : h)] };
            Assert.False(tampered.Verify(tree.Leaves[index], tree.Root(size)));
        });
    }

    [Fact]
    public void An_inclusion_proof_fails_for_any_other_index()
    {
        (from t in GenLeafInTree where t.Size > 1 from other in Gen.Int[0, t.Size - 1] where other != t.Index select (t, other)).Sample(s =>
        {
            var (tree, size, index) = s.t;
            var proof = tree.Log.GetInclusionProofAsync(index, size).Run();
            Assert.False(ProofVerifier.VerifyInclusion(s.other, size, tree.Leaves[index], proof.Path, tree.Root(size)));
        });
    }

    [Fact]
    public void An_inclusion_proof_fails_for_any_other_tree_size_and_its_root()
    {
        (from t in GenLeafInTree from other in Gen.Int[t.Index + 1, t.Tree.Size] where other != t.Size select (t, other)).Sample(s =>
        {
            var (tree, size, index) = s.t;
            var proof = tree.Log.GetInclusionProofAsync(index, size).Run();
            Assert.False(ProofVerifier.VerifyInclusion(index, s.other, tree.Leaves[index], proof.Path, tree.Root(s.other)));
        });
    }

    private static readonly Gen<(Tree Tree, int First, int Second)> GenSizePair =
        from tree in GenTree
        where tree.Size > 1
        from second in Gen.Int[2, tree.Size]
        from first in Gen.Int[1, second - 1]
        select (tree, first, second);

    [Fact]
    public void A_consistency_proof_fails_when_any_hash_in_it_is_changed()
    {
        (from p in GenSizePair from which in Gen.Int[0, 63] from bit in Gen.Int[0, 7] select (p, which, bit)).Sample(s =>
        {
            var (tree, first, second) = s.p;
            var proof = tree.Log.GetConsistencyProofAsync(first, second).Run();
            var at = s.which % proof.Path.Count;
            var tampered = proof with { Path = [.. proof.Path.Select((h, i) => i == at ? FlipBit(h, s.bit) : h)] };
            Assert.False(tampered.Verify(tree.Root(first), tree.Root(second)));
        });
    }

    [Fact]
    public void A_consistency_proof_fails_against_a_root_that_is_not_the_logs()
    {
        (from p in GenSizePair from salt in Gen.Int from which in Gen.Bool select (p, salt, which)).Sample(s =>
        {
            var (tree, first, second) = s.p;
            var proof = tree.Log.GetConsistencyProofAsync(first, second).Run();
            var forged = TreeHasher.HashLeaf(BitConverter.GetBytes(s.salt));
            Assert.False(s.which ? proof.Verify(forged, tree.Root(second)) : proof.Verify(tree.Root(first), forged));
        });
    }

    [Fact]
    public void A_consistency_proof_fails_for_any_other_pair_of_sizes_and_their_roots()
    {
        (from p in GenSizePair
         from first in Gen.Int[1, p.Tree.Size]
         from second in Gen.Int[first, p.Tree.Size]
         where (first, second) != (p.First, p.Second) && first != second
         select (p, first, second)).Sample(s =>
        {
            var (tree, first, second) = s.p;
            var proof = tree.Log.GetConsistencyProofAsync(first, second).Run();
            Assert.False(ProofVerifier.VerifyConsistency(s.first, s.second, proof.Path, tree.Root(s.first), tree.Root(s.second)));
        });
    }
}
