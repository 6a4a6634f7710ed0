namespace EscalationHub.Ledger.Tests;

/// <summary>Logs of distinct leaves (so no two subtrees collide by accident) for the property tests.</summary>
internal static class TestLogs
{
    public static MerkleHash[] DistinctLeaves(int count, int salt) =>
        [.. Enumerable.Range(0, count).Select(i => TreeHasher.HashLeaf([.. BitConverter.GetBytes(salt), .. BitConverter.GetBytes(i)]))];

    /// <summary>A log built by appending the leaves in batches of <paramref name="batch"/>.</summary>
    public static MerkleLog Build(IReadOnlyList<MerkleHash> leaves, int batch = 1)
    {
        var log = new MerkleLog(new InMemoryMerkleNodeStore());
        foreach (var chunk in leaves.Chunk(batch))
            log.AppendAsync(chunk).Run();
        return log;
    }

    // The in-memory store completes synchronously, so the property tests can stay synchronous.
    public static T Run<T>(this ValueTask<T> task) => task.AsTask().GetAwaiter().GetResult();
}
