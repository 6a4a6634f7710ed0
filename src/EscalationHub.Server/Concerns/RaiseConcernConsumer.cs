using EscalationHub.Contracts.Messages;
using EscalationHub.Messaging;
using EscalationHub.Server.Agencies;
using EscalationHub.Server.Grpc;
using EscalationHub.Server.Messaging;
using EscalationHub.Server.Store;
using MassTransit;

namespace EscalationHub.Server.Concerns;

/// <summary>The bus side of RaiseConcern: the same rules and handler as the RPC. The raiser is answered on its
/// own queue: ConcernAccepted with the hub's id and reference (again for a repeat), or ConcernRefused naming
/// the fields at fault (field "child" when the details do not match the file held for the NHS number), having stored
/// nothing else.</summary>
public sealed class RaiseConcernConsumer(
    HubInbox inbox, RaiseConcernHandler handler, HubDbContext db, AgencyDirectory agencies, TimeProvider clock)
    : IConsumer<RaiseConcern>
{
    public async Task Consume(ConsumeContext<RaiseConcern> context)
    {
        var raiser = context.Message.RaisedBy?.AgencyCode;
        if (raiser is null || agencies.Find(raiser) is null)
            throw new RefusedMessageException($"RaiseConcern from unknown agency '{raiser}': nobody to answer");

        try
        {
            await inbox.ApplyOnceAsync(context, async () =>
            {
                var now = clock.GetUtcNow();
                var errors = new FieldErrors();
                var command = RaiseConcernValidation.Validate(context.Message, agencies, now, errors);
                if (errors.HasErrors)
                {
                    Refuse(raiser, errors.All.Select(e => new FieldError(e.Field, e.Description)).ToList(), now, context.Message);
                    return;
                }

                // The answer on the raiser's queue (the RPC's answer is its response: no message).
                var raised = await handler.HandleAsync(command, context.CancellationToken);
                db.Enqueue(Addresses.AgencyQueue(raiser), new ConcernAccepted(command.IdempotencyKey, raised.Concern.Id,
                        raised.Concern.Reference, raised.Concern.ChildFileId, raised.Concern.RaisedAt), now);
            });
        }
        catch (ChildIdentityMismatchException mismatch)
        {
            // The NHS number names a child file whose date of birth and names these details do not match: nothing is
            // stored and the raiser is told which field to check, nothing of the file held.
            await inbox.ApplyOnceAsync(context, () =>
            {
                Refuse(raiser, [new FieldError(ChildIdentityMismatchException.Field, mismatch.Message)], clock.GetUtcNow(), context.Message);
                return Task.CompletedTask;
            });
        }
        catch (IdempotencyKeyReusedException reused)
        {
            // The same key for a different referral (e.g. a different message resent with the same MSH-10): the first
            // concern stands, nothing else is stored, and the raiser is told which field is at fault.
            await inbox.ApplyOnceAsync(context, () =>
            {
                Refuse(raiser, [new FieldError("idempotency_key", reused.Message)], clock.GetUtcNow(), context.Message);
                return Task.CompletedTask;
            });
        }
    }

    private void Refuse(string raiser, IReadOnlyList<FieldError> errors, DateTimeOffset now, RaiseConcern message) =>
        db.Enqueue(Addresses.AgencyQueue(raiser), new ConcernRefused(message.IdempotencyKey ?? "", errors), now);
}
