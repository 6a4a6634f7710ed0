using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace EscalationHub.Server.Store.Postgres;

/// <summary>A <see cref="ReplicaTask"/> claimed with <c>pg_try_advisory_xact_lock</c> in a transaction on the caller's
/// context: released when the claim commits, or by the server the moment a killed replica's connection drops.</summary>
public sealed class PostgresReplicaLocks : ReplicaLocks
{
    public override async Task<ReplicaClaim?> TryClaimAsync(HubDbContext db, ReplicaTask task, CancellationToken cancellationToken)
    {
        var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        try
        {
            var claimed = await db.Database.SqlQuery<bool>($"SELECT pg_try_advisory_xact_lock({PostgresLocks.For(task)}) AS \"Value\"")
                .SingleAsync(cancellationToken);
            if (claimed) return new Claim(transaction);
            await transaction.RollbackAsync(cancellationToken);
            await transaction.DisposeAsync();
            return null;
        }
        catch
        {
            await transaction.DisposeAsync();
            throw;
        }
    }

    private sealed class Claim(IDbContextTransaction transaction) : ReplicaClaim
    {
        public override async ValueTask DisposeAsync()
        {
            try { await transaction.CommitAsync(); }
            finally { await transaction.DisposeAsync(); }
        }
    }
}
