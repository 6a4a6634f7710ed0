using Google.Protobuf.WellKnownTypes;
using M = EscalationHub.Contracts.Messages;
using V1 = EscalationHub.Contracts.V1;

namespace EscalationHub.Server.Concerns;

/// <summary>Between the gRPC contract and the hub's records. The bus and gRPC enums share their numbers.</summary>
internal static class ConcernMapping
{
    public static V1.Concern ToProto(Concern c, ChildFile file)
    {
        var proto = new V1.Concern
        {
            ConcernId = c.Id.ToString(),
            Reference = c.Reference,
            ChildFileId = c.ChildFileId,
            Child = new V1.Child
            {
                NhsNumber = file.NhsNumber ?? "",
                // The names this concern's raiser gave (the file's only for concerns from before they were kept).
                GivenName = c.ChildGivenName ?? file.GivenName,
                FamilyName = c.ChildFamilyName ?? file.FamilyName,
                DateOfBirth = new V1.Date { Year = file.DateOfBirth.Year, Month = file.DateOfBirth.Month, Day = file.DateOfBirth.Day },
            },
            RaisedBy = new V1.Actor { AgencyCode = c.RaisedByAgency, Role = c.RaisedByRole },
            AddressedToAgencyCode = c.AddressedToAgency,
            Category = (V1.ConcernCategory)(int)c.Category,
            HarmLevel = (V1.HarmLevel)(int)c.HarmLevel,
            Details = c.Details,
            RaisedAt = Timestamp.FromDateTimeOffset(c.RaisedAt),
            Status = (V1.ConcernStatus)(int)c.Status,
        };
        if (c.DecisionDueAt is { } due) proto.DecisionDueAt = Timestamp.FromDateTimeOffset(due);
        if (c.AcknowledgedAt is { } acknowledged) proto.AcknowledgedAt = Timestamp.FromDateTimeOffset(acknowledged);
        if (c.Decision is { } decision)
        {
            proto.Decision = (V1.ConcernDecision)(int)decision;
            proto.DecisionReason = c.DecisionReason ?? "";
            proto.DecidedAt = Timestamp.FromDateTimeOffset(c.DecidedAt!.Value);
            proto.DecidedBy = new V1.Actor { AgencyCode = c.AddressedToAgency, Role = c.DecidedByRole ?? "" };
        }
        return proto;
    }

    public static V1.ConcernStatusChange ToProto(ConcernStatusChange change, DateTimeOffset? decisionDueAt)
    {
        var proto = new V1.ConcernStatusChange
        {
            ConcernId = change.ConcernId.ToString(),
            Sequence = change.Sequence,
            Status = (V1.ConcernStatus)(int)change.Status,
            At = Timestamp.FromDateTimeOffset(change.At),
            By = new V1.Actor { AgencyCode = change.ByAgency, Role = change.ByRole },
            Reason = change.Reason ?? "",
        };
        if (change.Decision is { } decision) proto.Decision = (V1.ConcernDecision)(int)decision;
        if (decisionDueAt is { } due) proto.DecisionDueAt = Timestamp.FromDateTimeOffset(due);
        return proto;
    }
}
