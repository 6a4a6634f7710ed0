using EscalationHub.Server.Ledger;

namespace EscalationHub.Server.Store;

/// <summary>
/// How a command changes the hub's state: <c>await unitOfWork.ExecuteAsync(ct => handler.HandleAsync(command, ct))</c>.
/// The work runs on this scope's <see cref="HubDbContext"/> and <see cref="LedgerWriter"/>, inside the transaction of
/// the next group commit (<see cref="CommitCoordinator"/>): its state changes, outbox messages and ledger entries
/// commit together with those of other concurrent commands, in one fsync, or its own part is rolled back alone.
/// The returned task completes after the commit. Call SaveChangesAsync in the work as usual; do not begin or commit
/// transactions. A nested call runs inline in the enclosing unit.
/// </summary>
public sealed class HubUnitOfWork(HubDbContext db, LedgerWriter ledger, CommitCoordinator coordinator)
{
    internal bool Active { get; set; }

    public async Task<T> ExecuteAsync<T>(Func<CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        if (Active) return await work(cancellationToken);
        return await coordinator.ExecuteAsync(this, db, ledger, work, cancellationToken);
    }

    public Task ExecuteAsync(Func<CancellationToken, Task> work, CancellationToken cancellationToken) =>
        ExecuteAsync<bool>(async ct =>
        {
            await work(ct);
            return true;
        }, cancellationToken);
}
