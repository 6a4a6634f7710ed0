using EscalationHub.Domain.Disagreements;
using EscalationHub.Domain.Policies;
using EscalationHub.Server.Store;
using Microsoft.EntityFrameworkCore;

namespace EscalationHub.Server.Disagreements.EscalationRecords;

/// <summary>
/// Binds each version of a disagreement's escalation record into its children's files when the disagreement changes,
/// not when a party first asks for the record: a Leicester escalation (and its approvals, resolution or final outcome)
/// is on the ledger by the page's SHA-256 moments after it commits. At start it binds what a stop left unbound
/// (every disagreement under a procedure with a template that is not closed). Binding is idempotent: a version already
/// bound is not bound again (<see cref="GetEscalationRecordHandler"/>).
/// </summary>
public sealed class EscalationRecordBinder(IServiceScopeFactory scopes, DisagreementSignals signals, PolicyProfiles profiles,
    ILogger<EscalationRecordBinder> logger) : BackgroundService
{
    private readonly HashSet<string> withTemplate = profiles.All.Where(p => p.EscalationRecord is not null).Select(p => p.Id).ToHashSet(StringComparer.Ordinal);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (withTemplate.Count == 0) return;
        try
        {
            await SweepAsync(stoppingToken);
            while (await signals.ChangedIds.WaitToReadAsync(stoppingToken))
            {
                var ids = new HashSet<string>(StringComparer.Ordinal);
                while (signals.ChangedIds.TryRead(out var id)) ids.Add(id);
                foreach (var id in ids) await BindAsync(id, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task SweepAsync(CancellationToken cancellationToken)
    {
        List<string> open;
        using (var scope = scopes.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<HubDbContext>();
            open = await db.Disagreements.AsNoTracking()
                .Where(d => withTemplate.Contains(d.ProfileId) && d.Status != nameof(DisagreementStatus.Closed))
                .Select(d => d.Id).ToListAsync(cancellationToken);
        }
        foreach (var id in open) await BindAsync(id, cancellationToken);
    }

    private async Task BindAsync(string disagreementId, CancellationToken cancellationToken)
    {
        try
        {
            using var scope = scopes.CreateScope();
            var profile = await scope.ServiceProvider.GetRequiredService<HubDbContext>().Disagreements.AsNoTracking()
                .Where(d => d.Id == disagreementId).Select(d => d.ProfileId).SingleOrDefaultAsync(cancellationToken);
            if (profile is null || !withTemplate.Contains(profile)) return;
            var (_, disagreement) = await scope.ServiceProvider.GetRequiredService<DisagreementStore>().LoadAsync(disagreementId, cancellationToken);
            await scope.ServiceProvider.GetRequiredService<GetEscalationRecordHandler>().HandleAsync(disagreement, cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // Bound at the next change, the next start or the next party's request.
            logger.LogWarning(ex, "Could not bind the escalation record of disagreement {DisagreementId} yet", disagreementId);
        }
    }
}
