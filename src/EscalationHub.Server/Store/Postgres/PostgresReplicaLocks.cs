using Microsoft.EntityFrameworkCore;

namespace EscalationHub.Server.Store.Postgres;

/// <summary>A <see cref="ReplicaTask"/> claimed with a session-level <c>pg_try_advisory_lock</c> on the caller's
/// context's connection, kept open for the claim: the work's own changes commit as they would without it (no long
/// transaction holding row locks while messages are sent). Released when the claim is disposed, by Npgsql's reset of a
/// pooled connection, or by the server the moment a killed replica's connection drops.</summary>
public sealed class PostgresReplicaLocks : ReplicaLocks
{
    public override async Task<ReplicaClaim?> TryClaimAsync(HubDbContext db, ReplicaTask task, CancellationToken cancellationToken)
    {
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            var claimed = await db.Database.SqlQuery<bool>($"SELECT pg_try_advisory_lock({PostgresLocks.For(task)}) AS \"Value\"")
                .SingleAsync(cancellationToken);
            if (claimed) return new Claim(db, task);
        }
        catch
        {
            await db.Database.CloseConnectionAsync();
            throw;
        }
        await db.Database.CloseConnectionAsync();
        return null;
    }

    private sealed class Claim(HubDbContext db, ReplicaTask task) : ReplicaClaim
    {
        public override async ValueTask DisposeAsync()
        {
            try { await db.Database.SqlQuery<bool>($"SELECT pg_advisory_unlock({PostgresLocks.For(task)}) AS \"Value\"").SingleAsync(); }
            finally { await db.Database.CloseConnectionAsync(); }
        }
    }
}
