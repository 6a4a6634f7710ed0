using EscalationHub.Domain.Calendar;
using EscalationHub.Domain.Disagreements;
using Timestamp = Google.Protobuf.WellKnownTypes.Timestamp;
using D = EscalationHub.Domain.Policies;
using V1 = EscalationHub.Contracts.V1;

namespace EscalationHub.Server.Disagreements;

/// <summary>From the domain to the gRPC contract. Enums map by name (the proto's names without their prefix).</summary>
internal static class DisagreementMapping
{
    public static V1.Disagreement ToProto(Disagreement d, DateTimeOffset now)
    {
        var s = d.State;
        var proto = new V1.Disagreement
        {
            DisagreementId = s.Id,
            ProfileId = s.ProfileId,
            Status = Enum.Parse<V1.DisagreementStatus>(s.Status.ToString()),
            RaisedBy = Party(s.Raiser),
            Responders = { s.Responders.Select(Party) },
            ChildFileIds = { s.ChildFileIds },
            Area = Enum.Parse<V1.AreaOfDisagreement>(s.Area.ToString()),
            HarmLevel = Enum.Parse<V1.HarmLevel>(s.Harm.ToString()),
            Summary = s.Summary,
            OpenedAt = Timestamp.FromDateTimeOffset(s.OpenedAt),
            CurrentStage = Stage(s.Current),
            Stages = { s.Stages.Select(Stage) },
            Records = { s.Records.Select(Record) },
            Feedback = { s.Feedback.Select(f => f.Summary) },
            Learning = { s.Learning.Select(l => l.Learning) },
            LearningThemes = { s.Learning.SelectMany(l => l.Themes ?? []).Distinct().Order().Select(ToProto) },
            Version = s.Version,
            Overdue = d.IsOverdue(now),
        };
        if (s.Resolution is { } resolution)
        {
            proto.ResolutionSummary = resolution.Summary;
            proto.AgreedActions.AddRange(resolution.AgreedActions.Select(a =>
                new V1.AgreedAction { Who = a.Who, What = a.What, ByWhen = Timestamp.FromDateTimeOffset(a.ByWhen) }));
        }
        if (s.FinalOutcome is { } final)
        {
            proto.FinalOutcome = Enum.Parse<V1.FinalOutcome>(final.Outcome.ToString());
            proto.ResolutionSummary = final.Summary;
        }
        return proto;
    }

    /// <summary>The bus code of a wire theme; UNSPECIFIED and unknown numbers become codes the handler refuses, naming them.</summary>
    public static string ThemeCode(V1.LearningTheme theme) => theme switch
    {
        V1.LearningTheme.ThresholdUnderstanding => LearningTheme.ThresholdUnderstanding.Code(),
        V1.LearningTheme.InformationSharing => LearningTheme.InformationSharing.Code(),
        V1.LearningTheme.Communication => LearningTheme.Communication.Code(),
        V1.LearningTheme.EscalationTimeliness => LearningTheme.EscalationTimeliness.Code(),
        V1.LearningTheme.RoleClarity => LearningTheme.RoleClarity.Code(),
        V1.LearningTheme.RecordKeeping => LearningTheme.RecordKeeping.Code(),
        V1.LearningTheme.Other => LearningTheme.Other.Code(),
        V1.LearningTheme.Unspecified => "LEARNING_THEME_UNSPECIFIED",
        _ => ((int)theme).ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    private static V1.LearningTheme ToProto(LearningTheme theme) => theme switch
    {
        LearningTheme.ThresholdUnderstanding => V1.LearningTheme.ThresholdUnderstanding,
        LearningTheme.InformationSharing => V1.LearningTheme.InformationSharing,
        LearningTheme.Communication => V1.LearningTheme.Communication,
        LearningTheme.EscalationTimeliness => V1.LearningTheme.EscalationTimeliness,
        LearningTheme.RoleClarity => V1.LearningTheme.RoleClarity,
        LearningTheme.RecordKeeping => V1.LearningTheme.RecordKeeping,
        _ => V1.LearningTheme.Other,
    };

    public static V1.DisagreementEvent ToProto(DisagreementEventRow row, DisagreementEvent e, Disagreement after)
    {
        var proto = new V1.DisagreementEvent
        {
            DisagreementId = row.DisagreementId,
            Sequence = row.Sequence,
            Type = row.Type,
            At = Timestamp.FromDateTimeOffset(row.At),
            Description = DisagreementText.Describe(e),
            Automatic = e is Escalated { Auto: true },
        };
        switch (e)
        {
            case StageEntered entered:
                proto.Stage = entered.Stage;
                if (entered.Deadline is { } deadline) proto.Deadline = Deadline(deadline);
                break;
            case HarmReassessed reassessed:
                proto.Stage = after.State.Current.Stage;
                if (reassessed.Deadline is { } tightened) proto.Deadline = Deadline(tightened);
                break;
            default:
                proto.Stage = after.State.Current.Stage;
                break;
        }
        return proto;
    }

    public static D.AreaOfDisagreement? Area(V1.AreaOfDisagreement area) =>
        area == V1.AreaOfDisagreement.Unspecified ? null : Enum.Parse<D.AreaOfDisagreement>(area.ToString());

    private static V1.Party Party(Party p) => new() { AgencyCode = p.AgencyCode, AgencyType = Enum.Parse<V1.AgencyType>(p.AgencyType.ToString()) };

    private static V1.Deadline Deadline(Deadline d) => new() { DueAt = Timestamp.FromDateTimeOffset(d.Instant), Rule = d.Rule };

    private static V1.StageVisit Stage(StageVisit v)
    {
        var proto = new V1.StageVisit
        {
            Stage = v.Stage,
            Step = v.Step,
            Name = v.Name,
            WhoMeets = v.WhoMeets,
            EnteredAt = Timestamp.FromDateTimeOffset(v.EnteredAt),
            DueImmediately = v.DueImmediately,
            ExpectedRoles = { v.ExpectedRoles.Select(r => new V1.ExpectedRole { AgencyCode = r.AgencyCode, Role = r.Role }) },
            MustInform = { v.MustInform },
            CloseRequires = { v.CloseRequires.Select(c => c.ToString()) },
            EscalationReason = v.EscalationReason ?? "",
            EscalatedAutomatically = v.EscalatedAutomatically ?? false,
        };
        if (v.Deadline is { } deadline) proto.Deadline = Deadline(deadline);
        if (v.LeftAt is { } left) proto.LeftAt = Timestamp.FromDateTimeOffset(left);
        return proto;
    }

    private static V1.Record Record(RecordState r) => new()
    {
        RecordId = r.Record.Id,
        Stage = r.Record.Stage,
        RecordedByAgencyCode = r.Record.RecordedBy,
        HeldAt = Timestamp.FromDateTimeOffset(r.Record.HeldAt),
        RecordedAt = Timestamp.FromDateTimeOffset(r.Record.RecordedAt),
        Summary = r.Record.Summary,
        Attendees = { r.Record.Attendees },
        IsMeeting = r.Record.IsMeeting,
        Approvals = { r.Approvals.Select(a => new V1.Approval { AgencyCode = a.By, At = Timestamp.FromDateTimeOffset(a.At) }) },
    };
}
