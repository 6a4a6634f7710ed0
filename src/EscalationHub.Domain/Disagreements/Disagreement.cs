using EscalationHub.Domain.Calendar;
using EscalationHub.Domain.Policies;

namespace EscalationHub.Domain.Disagreements;

/// <summary>A transition the procedure does not allow, with the reason in words a practitioner understands.</summary>
public sealed class TransitionRefusedException(string reason) : InvalidOperationException(reason)
{
    public string Reason { get; } = reason;
}

/// <summary>What opening a disagreement asks for. The concern is in writing at the instant it is opened.</summary>
public sealed record OpenDisagreement(
    string Id,
    Party Raiser,
    IReadOnlyList<Party> Responders,
    IReadOnlyList<string> ChildFileIds,
    AreaOfDisagreement Area,
    HarmLevel Harm,
    string Summary,
    bool InfantNonAccidentalInjury = false);

public sealed record Opening(Disagreement Disagreement, IReadOnlyList<DisagreementEvent> Events);

/// <summary>
/// A professional disagreement between agencies about one or more children, climbing the ladder of its policy profile.
/// Pure: every transition takes the current instant (the hub passes TimeProvider.GetUtcNow()), decides, and returns
/// the events it applied; a refused transition throws <see cref="TransitionRefusedException"/> and changes nothing.
/// </summary>
public sealed class Disagreement
{
    /// <summary>Who is alerted, with every party, when a stage is due immediately.</summary>
    public const string DesignatedLeads = "designated safeguarding leads";

    private Disagreement(PolicyProfile profile, WorkingCalendar calendar, DisagreementState state)
    {
        Profile = profile;
        Calendar = calendar;
        State = state;
    }

    public PolicyProfile Profile { get; }
    public WorkingCalendar Calendar { get; }
    public DisagreementState State { get; }

    public string Id => State.Id;
    public DisagreementStatus Status => State.Status;
    public StageVisit CurrentStage => State.Current;
    public Deadline? CurrentDeadline => State.Status == DisagreementStatus.Open ? State.Current.Deadline : null;

    /// <summary>
    /// When the deadline sweep should escalate this disagreement automatically, or null when it never will at this rung:
    /// resolved, no timescale, the final stage, due immediately on entry (an alert to everyone, not a trigger to climb), or
    /// a referral timescale (the parties refer it; the hub warns them, see <see cref="ReferralWarningDueAt"/>).
    /// </summary>
    public DateTimeOffset? AutomaticEscalationDueAt =>
        State.Status == DisagreementStatus.Open && State.Current is { Deadline: { } d, DueImmediately: false, ReferralOnly: false } && NextRung() is not null
            ? d.Instant
            : null;

    /// <summary>
    /// When the parties should be warned that the case has not been referred upwards within the stage's referral
    /// timescale (London stages 3 and 4), or null: not open, not a referral timescale, or the final stage.
    /// </summary>
    public DateTimeOffset? ReferralWarningDueAt =>
        State.Status == DisagreementStatus.Open && State.Current is { Deadline: { } d, ReferralOnly: true } && NextRung() is not null
            ? d.Instant
            : null;

    public bool IsOverdue(DateTimeOffset now) => CurrentDeadline?.HasPassed(now) ?? false;

    // ---- creation and rehydration ----

    public static Opening Open(OpenDisagreement command, PolicyProfile profile, WorkingCalendar calendar, DateTimeOffset now)
    {
        Refuse(string.IsNullOrWhiteSpace(command.Id), "a disagreement needs an id");
        Refuse(string.IsNullOrWhiteSpace(command.Summary), "a disagreement needs a written summary of the concern: the written concern starts the clock");
        Refuse(command.Responders.Count == 0, "a disagreement needs at least one responding party");
        Refuse(command.ChildFileIds.Count == 0 || command.ChildFileIds.Any(string.IsNullOrWhiteSpace), "a disagreement needs at least one child file id, none blank");
        var parties = command.Responders.Prepend(command.Raiser).ToArray();
        Refuse(parties.Any(p => string.IsNullOrWhiteSpace(p.AgencyCode)), "every party needs an agency code");
        var repeated = parties.GroupBy(p => p.AgencyCode, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        Refuse(repeated is not null, $"agency {repeated?.Key} appears more than once: the raising party and each responding party must be different agencies");
        Refuse(!Enum.IsDefined(command.Area), $"unknown area of disagreement {(int)command.Area}");
        Refuse(!Enum.IsDefined(command.Harm), $"unknown harm level {(int)command.Harm}");
        var refusedArea = profile.RefusedAreas.FirstOrDefault(r => r.Area == command.Area);
        Refuse(refusedArea is not null, $"{profile.Name} does not take {command.Area}: {refusedArea?.Reason}");
        var outside = parties.FirstOrDefault(p => !profile.AgencyTypes.Contains(p.AgencyType));
        Refuse(outside is not null,
            $"{profile.Name} covers {string.Join(", ", profile.AgencyTypes)} only, not {outside?.AgencyType} ({outside?.AgencyCode}): use the partnership's procedure");

        var opened = new DisagreementOpened(command.Id, now, profile.Id, command.Raiser, [.. command.Responders],
            [.. command.ChildFileIds.Distinct()], command.Area, command.Harm, command.InfantNonAccidentalInjury, command.Summary);
        var disagreement = new Disagreement(profile, calendar, new DisagreementState());
        disagreement.Apply(opened);
        var entered = disagreement.Enter(profile.EntryStageFor(command.Area), 1, now);
        disagreement.Apply(entered);
        return new Opening(disagreement, [opened, entered]);
    }

    /// <summary>Rebuilds a disagreement from its events, in order.</summary>
    public static Disagreement Replay(IEnumerable<DisagreementEvent> events, PolicyProfile profile, WorkingCalendar calendar)
    {
        var disagreement = new Disagreement(profile, calendar, new DisagreementState());
        foreach (var e in events)
            disagreement.Apply(e);
        if (disagreement.State.Version == 0)
            throw new ArgumentException("no events to replay", nameof(events));
        CheckProfile(disagreement.State, profile);
        return disagreement;
    }

    /// <summary>Wraps a stored snapshot.</summary>
    public static Disagreement FromState(DisagreementState state, PolicyProfile profile, WorkingCalendar calendar)
    {
        CheckProfile(state, profile);
        return new Disagreement(profile, calendar, state);
    }

    private static void CheckProfile(DisagreementState state, PolicyProfile profile)
    {
        if (state.ProfileId != profile.Id)
            throw new ArgumentException($"disagreement {state.Id} follows profile {state.ProfileId}, not {profile.Id}", nameof(profile));
    }

    // ---- transitions ----

    /// <summary>Adds a contemporaneous record of a discussion or meeting held at <paramref name="heldAt"/>.</summary>
    public IReadOnlyList<DisagreementEvent> RecordDiscussion(
        string by, DateTimeOffset heldAt, string summary, IReadOnlyList<string> attendees, bool isMeeting, DateTimeOffset now)
    {
        RequireParty(by, "add a record");
        RequireOpen("add a record");
        Refuse(string.IsNullOrWhiteSpace(summary), "a record needs a summary of what was discussed");
        Refuse(heldAt > now, "a record cannot be of a discussion that has not happened yet");
        Refuse(heldAt < State.OpenedAt, "a record cannot be of a discussion held before the disagreement was raised");
        var record = new Record($"R{State.Records.Count + 1}", State.Current.Stage, State.Current.Step, by, heldAt, now,
            summary, [.. attendees], isMeeting);
        return Commit(new RecordAdded(Id, now, record));
    }

    /// <summary>
    /// A party approves (signs) a record. Approving again is not an error: it changes nothing and returns no events,
    /// so a redelivered approval is harmless.
    /// </summary>
    public IReadOnlyList<DisagreementEvent> ApproveRecord(string by, string recordId, DateTimeOffset now)
    {
        RequireParty(by, "approve a record");
        Refuse(State.Status == DisagreementStatus.Closed, "the disagreement is closed: its records can no longer be approved");
        var record = State.Records.FirstOrDefault(r => r.Record.Id == recordId)
                     ?? throw new TransitionRefusedException($"there is no record {recordId} on disagreement {Id}");
        if (record.Approvals.Any(a => a.By == by))
            return [];
        return Commit(new RecordApproved(Id, now, recordId, by));
    }

    /// <summary>A party escalates to the next rung, giving the reason.</summary>
    public IReadOnlyList<DisagreementEvent> Escalate(string by, string reason, DateTimeOffset now)
    {
        RequireParty(by, "escalate");
        RequireOpen("escalate");
        Refuse(string.IsNullOrWhiteSpace(reason), "an escalation needs a reason");
        var next = NextRung() ?? throw new TransitionRefusedException(
            $"cannot escalate beyond stage {Profile.FinalStage.Number} (the final stage): decide a final outcome ({string.Join(", ", Profile.FinalOutcomes)}) or resolve it");
        return Climb(next, by, reason, auto: false, now);
    }

    /// <summary>The deadline sweep: escalates one rung when the current deadline has passed unresolved.</summary>
    public IReadOnlyList<DisagreementEvent> EscalateOnMissedDeadline(DateTimeOffset now)
    {
        RequireOpen("escalate");
        var visit = State.Current;
        var deadline = visit.Deadline ?? throw new TransitionRefusedException(
            $"stage {visit.Stage} has no deadline under {Profile.ShortName}: it is escalated by a party, not by the clock");
        Refuse(visit.ReferralOnly,
            $"stage {visit.Stage} has a referral timescale ({deadline.Rule}), not a resolution deadline: a party refers it upwards; the hub warns the parties, it does not escalate by itself");
        Refuse(visit.DueImmediately,
            $"stage {visit.Stage} was due immediately on entry ({deadline.Rule}): everyone was alerted at once; a party escalates it, not the clock, so that it does not race up the ladder");
        Refuse(!deadline.HasPassed(now), $"stage {visit.Stage} is not yet overdue: due {deadline.Instant:yyyy-MM-dd HH:mm}Z ({deadline.Rule})");
        var next = NextRung() ?? throw new TransitionRefusedException(
            $"cannot escalate beyond stage {Profile.FinalStage.Number} (the final stage): the deadline has passed and a final outcome is needed");
        return Climb(next, null, $"deadline passed unresolved: {deadline.Rule}, due {deadline.Instant:yyyy-MM-dd HH:mm}Z", auto: true, now);
    }

    /// <summary>
    /// A party raises the harm level (new information about the child). Lowering it is refused: the clock already
    /// protecting a child is not loosened inside a disagreement.
    /// </summary>
    public IReadOnlyList<DisagreementEvent> ReassessHarm(string by, HarmLevel harm, string reason, DateTimeOffset now)
    {
        RequireParty(by, "reassess the harm level");
        RequireOpen("reassess the harm level");
        Refuse(!Enum.IsDefined(harm), $"unknown harm level {(int)harm}");
        Refuse(string.IsNullOrWhiteSpace(reason), "a harm reassessment needs a reason");
        Refuse(harm <= State.Harm, $"the harm level can only be raised within a disagreement: it is {State.Harm}, asked for {harm}");
        var candidates = new List<Deadline?> { State.Current.Deadline };
        candidates.AddRange(Profile.ProtectiveRulesFor(harm, State.InfantNonAccidentalInjury).Select(rule => Calendar.Deadline(now, rule.Timescale, rule.Text)));
        var deadline = WorkingCalendar.WhicheverIsLess(candidates);
        // Only a tightened deadline can make the stage due at once; an already overdue one stays for the sweep to escalate.
        var dueImmediately = deadline != State.Current.Deadline ? deadline!.Instant <= now : State.Current.DueImmediately;
        return Commit(new HarmReassessed(Id, now, by, State.Harm, harm, reason, deadline, dueImmediately));
    }

    /// <summary>The parties agree how it is settled: who does what by when.</summary>
    public IReadOnlyList<DisagreementEvent> Resolve(string by, string summary, IReadOnlyList<AgreedAction> agreedActions, DateTimeOffset now)
    {
        RequireParty(by, "resolve the disagreement");
        RequireOpen("resolve");
        Refuse(string.IsNullOrWhiteSpace(summary), "a resolution needs a summary of what was agreed");
        Refuse(agreedActions.Any(a => string.IsNullOrWhiteSpace(a.Who) || string.IsNullOrWhiteSpace(a.What)),
            "every agreed action needs who does it and what they do");
        RequireStageCanClose(Resolving);
        return Commit(new Resolved(Id, now, State.Current.Stage, by, summary, [.. agreedActions], Profile.OutcomesReportedTo));
    }

    /// <summary>At the final stage the partnership decides an outcome (e.g. mediation or a case-file audit in North Wales).</summary>
    public IReadOnlyList<DisagreementEvent> DecideFinalOutcome(FinalOutcome outcome, string decidedBy, string summary, DateTimeOffset now)
    {
        RequireOpen("decide a final outcome");
        var final = Profile.FinalStage;
        Refuse(State.Current.Stage != final.Number,
            $"a final outcome is decided only at stage {final.Number} ({final.Name}); the disagreement is at stage {State.Current.Stage}");
        Refuse(!Profile.FinalOutcomes.Contains(outcome),
            $"{Profile.ShortName} does not provide {outcome} as a final outcome; it provides {string.Join(", ", Profile.FinalOutcomes)}");
        Refuse(string.IsNullOrWhiteSpace(decidedBy), "a final outcome needs who decided it");
        Refuse(string.IsNullOrWhiteSpace(summary), "a final outcome needs a summary");
        RequireStageCanClose("concluded");
        return Commit(new FinalOutcomeDecided(Id, now, final.Number, outcome, decidedBy, summary, Profile.OutcomesReportedTo));
    }

    /// <summary>Tells the raiser the outcome, whatever stage resolved it.</summary>
    public IReadOnlyList<DisagreementEvent> GiveFeedback(string by, string summary, DateTimeOffset now)
    {
        RequireParty(by, "give feedback");
        Refuse(State.Status == DisagreementStatus.Closed, "the disagreement is closed");
        Refuse(State.Status == DisagreementStatus.Open,
            "there is no outcome to feed back yet: resolve the disagreement or decide the final outcome first");
        Refuse(string.IsNullOrWhiteSpace(summary), "feedback needs a summary of the outcome");
        return Commit(new FeedbackGiven(Id, now, by, State.Raiser.AgencyCode, summary));
    }

    /// <summary>Captures what the partnership should change, under one or more themes of the coded vocabulary (which
    /// the partnership counts) with the parties' own words (which it never reports); it goes to the profile's learning
    /// recipient.</summary>
    public IReadOnlyList<DisagreementEvent> CaptureLearning(string by, string learning, IReadOnlyList<LearningTheme> themes, DateTimeOffset now)
    {
        RequireParty(by, "capture learning");
        Refuse(State.Status == DisagreementStatus.Closed, "the disagreement is closed: capture learning before closing it");
        Refuse(string.IsNullOrWhiteSpace(learning), "learning needs some text");
        Refuse(themes.Count == 0, "learning needs at least one theme");
        return Commit(new LearningCaptured(Id, now, by, learning, Profile.LearningReportedTo, themes.Distinct().Order().ToList()));
    }

    public IReadOnlyList<DisagreementEvent> Close(string by, DateTimeOffset now)
    {
        RequireParty(by, "close the disagreement");
        Refuse(State.Status == DisagreementStatus.Closed, "the disagreement is already closed");
        Refuse(State.Status == DisagreementStatus.Open,
            "cannot close an unresolved disagreement: resolve it or decide the final outcome first");
        Refuse(State.Feedback.Count == 0, "cannot close before feedback has been given to the raiser");
        return Commit(new Closed(Id, now, by));
    }

    // ---- rules ----

    private (int Stage, int Step)? NextRung()
    {
        var (stage, step) = (State.Current.Stage, State.Current.Step);
        if (step < Profile.StageNumber(stage).Steps.Count) return (stage, step + 1);
        if (stage < Profile.Stages.Count) return (stage + 1, 1);
        return null;
    }

    private IReadOnlyList<DisagreementEvent> Climb((int Stage, int Step) to, string? by, string reason, bool auto, DateTimeOffset now)
    {
        var escalated = new Escalated(Id, now, State.Current.Stage, State.Current.Step, to.Stage, to.Step, by, reason, auto);
        Apply(escalated);
        var entered = Enter(to.Stage, to.Step, now);
        Apply(entered);
        return [escalated, entered];
    }

    /// <summary>The rung's deadline: the procedure's timescale or the protective one, whichever is less.</summary>
    private StageEntered Enter(int stageNumber, int stepNumber, DateTimeOffset now)
    {
        var stage = Profile.StageNumber(stageNumber);
        var step = stage.Steps[stepNumber - 1];
        var clockStart = step.ClockFrom switch
        {
            ClockStart.WrittenConcern => State.OpenedAt,
            ClockStart.PreviousStageMeeting => State.Records
                .Where(r => r.Record.Stage == stageNumber - 1 && r.Record.IsMeeting)
                .Select(r => (DateTimeOffset?)r.Record.HeldAt).Max() ?? now,
            _ => now,
        };
        var where = stage.Steps.Count > 1 ? $"{Profile.ShortName} stage {stageNumber}, step {stepNumber}" : $"{Profile.ShortName} stage {stageNumber}";
        var candidates = new List<Deadline?> { Calendar.Deadline(clockStart, step.Timescale, $"{step.TimescaleText} ({where})") };
        // Protection runs from now: a child at risk is not made to wait for an earlier meeting's clock.
        candidates.AddRange(Profile.ProtectiveRulesFor(State.Harm, State.InfantNonAccidentalInjury)
            .Select(rule => Calendar.Deadline(now, rule.Timescale, rule.Text)));
        var deadline = WorkingCalendar.WhicheverIsLess(candidates);

        var roles = State.Parties.Select(p => new ExpectedRole(p.AgencyCode, p.AgencyType, step.ExpectedRoles[p.AgencyType])).ToArray();
        var dueImmediately = deadline is not null && deadline.Instant <= now;
        // "Immediately": every party and the designated leads are alerted at once.
        var mustInform = dueImmediately ? stage.MustInform.Append(DesignatedLeads).Distinct() : stage.MustInform;
        return new StageEntered(Id, now, stageNumber, stepNumber, stage.Name, step.WhoMeets, deadline,
            dueImmediately, roles, [.. mustInform], [.. stage.CloseRequires], step.ReferralOnly);
    }

    private const string Resolving = "resolved";

    private void RequireStageCanClose(string verb)
    {
        var visit = State.Current;
        var records = State.Records.Where(r => r.Record.Stage == visit.Stage).ToArray();
        var label = $"stage {visit.Stage} ({visit.Name})";
        foreach (var requirement in visit.CloseRequires)
        {
            switch (requirement)
            {
                case CloseRequirement.Record:
                    Refuse(records.Length == 0, $"{label} cannot be {verb} until a record of the discussion has been added");
                    break;
                case CloseRequirement.Meeting:
                    Refuse(!records.Any(r => r.Record.IsMeeting), $"{label} cannot be {verb} until the meeting has been held and recorded");
                    break;
                case CloseRequirement.RecordSignedByAllParties:
                    RequireApprovedByAllParties(records, $"{label} cannot be {verb} until a record has been signed by every party");
                    break;
                case CloseRequirement.RecordApprovedAndDated:
                    RequireApprovedByAllParties(records, $"{label} cannot be {verb} until its record has been approved and dated by every party's manager");
                    break;
                case CloseRequirement.AgreedOutcomeConfirmedByAllParties when verb == Resolving:
                    RequireApprovedByAllParties(records,
                        $"{label} cannot be {verb} on one party's word: it needs written confirmation between the parties about an agreed outcome, a record of the agreed outcome approved by every party");
                    break;
            }
        }
    }

    private void RequireApprovedByAllParties(RecordState[] records, string refusal)
    {
        Refuse(records.Length == 0, $"{refusal}: no record of this stage has been added");
        var codes = State.Parties.Select(p => p.AgencyCode).ToArray();
        if (records.Any(r => codes.All(c => r.Approvals.Any(a => a.By == c)))) return;
        var best = records.OrderByDescending(r => r.Approvals.Count).First();
        var waiting = codes.Where(c => best.Approvals.All(a => a.By != c));
        throw new TransitionRefusedException($"{refusal}: record {best.Record.Id} awaits {string.Join(", ", waiting)}");
    }

    private void RequireParty(string agencyCode, string action) =>
        Refuse(State.Parties.All(p => p.AgencyCode != agencyCode), $"only a party can {action}: {agencyCode} is not a party to disagreement {Id}");

    private void RequireOpen(string action)
    {
        Refuse(State.Status == DisagreementStatus.Closed, $"cannot {action}: the disagreement is closed");
        Refuse(State.Status == DisagreementStatus.Resolved, $"cannot {action}: the disagreement has already been resolved");
    }

    private static void Refuse(bool condition, string reason)
    {
        if (condition) throw new TransitionRefusedException(reason);
    }

    private IReadOnlyList<DisagreementEvent> Commit(DisagreementEvent e)
    {
        Apply(e);
        return [e];
    }

    // ---- applying events: the only place state changes ----

    private void Apply(DisagreementEvent e)
    {
        var s = State;
        switch (e)
        {
            case DisagreementOpened o:
                s.Id = o.DisagreementId;
                s.ProfileId = o.ProfileId;
                s.Raiser = o.Raiser;
                s.Responders = [.. o.Responders];
                s.ChildFileIds = [.. o.ChildFileIds];
                s.Area = o.Area;
                s.Harm = o.Harm;
                s.InfantNonAccidentalInjury = o.InfantNonAccidentalInjury;
                s.Summary = o.Summary;
                s.OpenedAt = o.At;
                s.Status = DisagreementStatus.Open;
                break;
            case StageEntered x:
                s.Stages.Add(new StageVisit
                {
                    Stage = x.Stage, Step = x.Step, Name = x.StageName, WhoMeets = x.WhoMeets, EnteredAt = x.At,
                    Deadline = x.Deadline, DueImmediately = x.DueImmediately, ReferralOnly = x.ReferralOnly, ExpectedRoles = [.. x.ExpectedRoles],
                    MustInform = [.. x.MustInform], CloseRequires = [.. x.CloseRequires],
                });
                break;
            case RecordAdded r:
                s.Records.Add(new RecordState { Record = r.Record });
                break;
            case RecordApproved a:
                s.Records.Single(r => r.Record.Id == a.RecordId).Approvals.Add(new Approval(a.By, a.At));
                break;
            case Escalated x:
                s.Current.LeftAt = x.At;
                s.Current.EscalationReason = x.Reason;
                s.Current.EscalatedAutomatically = x.Auto;
                break;
            case HarmReassessed h:
                s.Harm = h.To;
                s.Current.Deadline = h.Deadline;
                s.Current.DueImmediately = h.DueImmediately;
                if (h.DueImmediately && !s.Current.MustInform.Contains(DesignatedLeads))
                    s.Current.MustInform.Add(DesignatedLeads);
                break;
            case Resolved r:
                s.Resolution = r;
                s.Status = DisagreementStatus.Resolved;
                s.Current.LeftAt = r.At;
                break;
            case FinalOutcomeDecided f:
                s.FinalOutcome = f;
                s.Status = DisagreementStatus.Resolved;
                s.Current.LeftAt = f.At;
                break;
            case FeedbackGiven f:
                s.Feedback.Add(f);
                break;
            case LearningCaptured l:
                s.Learning.Add(l);
                break;
            case Closed c:
                s.Status = DisagreementStatus.Closed;
                s.ClosedAt = c.At;
                break;
            default:
                throw new ArgumentException($"unknown event {e.GetType().Name}", nameof(e));
        }

        s.Version++;
    }
}
