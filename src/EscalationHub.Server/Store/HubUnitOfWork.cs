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
public sealed class HubUnitOfWork(UnitOfWorkScope scope, LedgerWriter ledger, IGroupCommit coordinator)
{
    internal bool Active { get; set; }

    public async Task<T> ExecuteAsync<T>(Func<CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        if (Active) return await work(cancellationToken);
        return await coordinator.ExecuteAsync(this, scope, ledger, work, cancellationToken);
    }

    public Task ExecuteAsync(Func<CancellationToken, Task> work, CancellationToken cancellationToken) =>
        ExecuteAsync<bool>(async ct =>
        {
            await work(ct);
            return true;
        }, cancellationToken);
}

/// <summary>The store's single writer that group-commits units of work: <see cref="CommitCoordinator"/> over the
/// store's <see cref="WriterStore"/>.</summary>
public interface IGroupCommit
{
    Task<T> ExecuteAsync<T>(HubUnitOfWork unit, UnitOfWorkScope scope, LedgerWriter ledger,
        Func<CancellationToken, Task<T>> work, CancellationToken cancellationToken);
}

/// <summary>
/// The scope's <see cref="HubDbContext"/> as the group commit sees it: while the scope's command runs in a batch, the
/// context (created before or during the command) is bound to the batch's connection and transaction the moment it
/// exists; a command that never uses the store is never bound and costs no savepoint.
/// </summary>
public sealed class UnitOfWorkScope
{
    private Action<HubDbContext>? bindOnCreate;

    internal HubDbContext? Context { get; private set; }

    internal void Created(HubDbContext db)
    {
        Context = db;
        bindOnCreate?.Invoke(db);
    }

    /// <summary>Binds the existing context now, and one created later when it is created, until the returned scope ends.</summary>
    internal IDisposable BindWhileRunning(Action<HubDbContext> bind)
    {
        if (Context is { } existing) bind(existing);
        bindOnCreate = bind;
        return new Unbinding(this);
    }

    private sealed class Unbinding(UnitOfWorkScope scope) : IDisposable
    {
        public void Dispose() => scope.bindOnCreate = null;
    }
}
