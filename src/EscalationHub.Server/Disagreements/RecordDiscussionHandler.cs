using EscalationHub.Domain.Disagreements;
using EscalationHub.Server.Grpc;
using M = EscalationHub.Contracts.Messages;

namespace EscalationHub.Server.Disagreements;

/// <summary>A party adds a contemporaneous record of a discussion or meeting at the current stage.</summary>
public sealed class RecordDiscussionHandler(DisagreementStore store)
{
    public Task<Disagreement> HandleAsync(M.RecordDiscussion c, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        DisagreementValidation.Actor(errors, c.DisagreementId, c.By);
        errors.RequiredText("summary", c.Summary, DisagreementValidation.MaxText);
        if (c.HeldAt == default) errors.Add("held_at", "is required");
        if (errors.WithinCount("attendees", c.Attendees, DisagreementValidation.MaxAttendees))
            foreach (var (attendee, i) in (c.Attendees ?? []).Select((a, i) => (a, i)))
                errors.Required($"attendees[{i}]", attendee, 200);
        errors.ThrowIfInvalid();
        return store.ChangeAsync(c.DisagreementId, c.By,
            (d, now) => d.RecordDiscussion(c.By.AgencyCode, c.HeldAt, c.Summary.Trim(), c.Attendees ?? [], c.IsMeeting, now), cancellationToken);
    }
}
