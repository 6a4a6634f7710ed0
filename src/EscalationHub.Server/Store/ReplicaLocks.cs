namespace EscalationHub.Server.Store;

/// <summary>Background work that only one hub replica may do at a time.</summary>
public enum ReplicaTask
{
    /// <summary>Sending the outbox: one sender keeps messages in commit order and sends each once.</summary>
    OutboxDispatch = 1,

    /// <summary>Firing due deadlines and warnings.</summary>
    DeadlineScheduler = 2,
}

/// <summary>
/// Lets one replica at a time run a <see cref="ReplicaTask"/>. A hub alone on its store (SQLite) always may; on
/// PostgreSQL the claim is an advisory lock held by the caller's context's connection (<see cref="Postgres.PostgresReplicaLocks"/>),
/// released when the claim is disposed or the replica's connection dies.
/// </summary>
public class ReplicaLocks
{
    /// <summary>For a hub alone on its store (and services built without the store's registration).</summary>
    public static readonly ReplicaLocks SingleHub = new();

    /// <returns>The claim, to dispose when the work is done, or null when another replica holds it.</returns>
    public virtual Task<ReplicaClaim?> TryClaimAsync(HubDbContext db, ReplicaTask task, CancellationToken cancellationToken) =>
        Task.FromResult<ReplicaClaim?>(ReplicaClaim.Alone);
}

public class ReplicaClaim : IAsyncDisposable
{
    internal static readonly ReplicaClaim Alone = new();

    public virtual ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
