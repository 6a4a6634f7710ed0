using EscalationHub.Domain.Disagreements;
using EscalationHub.Server.Grpc;
using EscalationHub.Server.Messaging;
using EscalationHub.Server.Store;
using MassTransit;
using M = EscalationHub.Contracts.Messages;

namespace EscalationHub.Server.Disagreements;

/// <summary>The bus side of disagreements: each command applied once through the same handler as its RPC. A refused
/// command changes nothing and its sender is told why (DisagreementCommandRefused on its own queue).</summary>
public sealed class DisagreementCommandConsumer(IServiceProvider services, HubInbox inbox, HubDbContext db, DisagreementSignals signals, TimeProvider clock)
    : IConsumer<M.OpenDisagreement>, IConsumer<M.RecordDiscussion>, IConsumer<M.ApproveDisagreementRecord>, IConsumer<M.EscalateDisagreement>,
      IConsumer<M.ResolveDisagreement>, IConsumer<M.DecideFinalOutcome>, IConsumer<M.GiveFeedback>, IConsumer<M.RecordLearning>,
      IConsumer<M.CloseDisagreement>
{
    public Task Consume(ConsumeContext<M.OpenDisagreement> context) =>
        Apply(context, null, context.Message.RaisedBy, ct => Handle<OpenDisagreementHandler>().HandleAsync(context.Message, ct));

    public Task Consume(ConsumeContext<M.RecordDiscussion> context) =>
        Apply(context, context.Message.DisagreementId, context.Message.By, ct => Handle<RecordDiscussionHandler>().HandleAsync(context.Message, ct));

    public Task Consume(ConsumeContext<M.ApproveDisagreementRecord> context) =>
        Apply(context, context.Message.DisagreementId, context.Message.By, ct => Handle<ApproveDisagreementRecordHandler>().HandleAsync(context.Message, ct));

    public Task Consume(ConsumeContext<M.EscalateDisagreement> context) =>
        Apply(context, context.Message.DisagreementId, context.Message.By, ct => Handle<EscalateDisagreementHandler>().HandleAsync(context.Message, ct));

    public Task Consume(ConsumeContext<M.ResolveDisagreement> context) =>
        Apply(context, context.Message.DisagreementId, context.Message.By, ct => Handle<ResolveDisagreementHandler>().HandleAsync(context.Message, ct));

    public Task Consume(ConsumeContext<M.DecideFinalOutcome> context) =>
        Apply(context, context.Message.DisagreementId, context.Message.By, ct => Handle<DecideFinalOutcomeHandler>().HandleAsync(context.Message, ct));

    public Task Consume(ConsumeContext<M.GiveFeedback> context) =>
        Apply(context, context.Message.DisagreementId, context.Message.By, ct => Handle<GiveFeedbackHandler>().HandleAsync(context.Message, ct));

    public Task Consume(ConsumeContext<M.RecordLearning> context) =>
        Apply(context, context.Message.DisagreementId, context.Message.By, ct => Handle<RecordLearningHandler>().HandleAsync(context.Message, ct));

    public Task Consume(ConsumeContext<M.CloseDisagreement> context) =>
        Apply(context, context.Message.DisagreementId, context.Message.By, ct => Handle<CloseDisagreementHandler>().HandleAsync(context.Message, ct));

    private T Handle<T>() where T : notnull => services.GetRequiredService<T>();

    private async Task Apply<T>(ConsumeContext<T> context, string? disagreementId, M.ActorRef? by,
        Func<CancellationToken, Task<Disagreement>> handle) where T : class
    {
        string? changed = null;
        try
        {
            await inbox.ApplyOnceAsync(context, async () => changed = (await handle(context.CancellationToken)).Id);
        }
        catch (Exception ex) when (Reason(ex) is { } reason && by?.AgencyCode is { Length: > 0 } sender)
        {
            // Nothing of the command was stored; record that it was seen, and tell its sender why.
            await inbox.ApplyOnceAsync(context, () =>
            {
                db.Enqueue(M.Addresses.AgencyQueue(sender), new M.DisagreementCommandRefused(disagreementId, typeof(T).Name, reason)
                {
                    CommandMessageId = context.MessageId,
                    IdempotencyKey = (context.Message as M.OpenDisagreement)?.IdempotencyKey,
                }, clock.GetUtcNow());
                return Task.CompletedTask;
            });
        }
        if (changed is not null) signals.Changed(changed);
    }

    private static string? Reason(Exception ex) => ex switch
    {
        InvalidCommandException or TransitionRefusedException or DisagreementNotFoundException or NotAPartyException or NotPartyToChildFileException
            or Concerns.IdempotencyKeyReusedException => ex.Message,
        _ => null,
    };
}
