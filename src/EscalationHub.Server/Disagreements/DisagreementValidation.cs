using EscalationHub.Domain.Disagreements;
using EscalationHub.Domain.Policies;
using EscalationHub.Server.Agencies;
using EscalationHub.Server.Grpc;
using M = EscalationHub.Contracts.Messages;
using V1 = EscalationHub.Contracts.V1;

namespace EscalationHub.Server.Disagreements;

/// <summary>Field rules shared by the disagreement commands, whether they came over gRPC or the bus.</summary>
internal static class DisagreementValidation
{
    public const int MaxText = 8000;
    public const int MaxAttendees = 50;
    public const int MaxAgreedActions = 32;

    public static Party? Party(FieldErrors errors, AgencyDirectory agencies, M.ActorRef? actor, string field)
    {
        if (actor is null)
        {
            errors.Add(field, "is required");
            return null;
        }
        errors.Required($"{field}.role", actor.Role, 100);
        var agency = agencies.Find(actor.AgencyCode ?? "");
        if (agency is null)
        {
            errors.Add($"{field}.agency_code", $"'{actor.AgencyCode}' is not a registered agency");
            return null;
        }
        return new Party(agency.Code, TypeOf(agency));
    }

    public static AgencyType TypeOf(Agency agency) => agency.Type switch
    {
        V1.AgencyType.Health => AgencyType.Health,
        V1.AgencyType.Police => AgencyType.Police,
        V1.AgencyType.SocialCare => AgencyType.SocialCare,
        V1.AgencyType.Education => AgencyType.Education,
        _ => throw new InvalidOperationException($"agency {agency.Code} has no type"),
    };

    public static AreaOfDisagreement Area(FieldErrors errors, string? area)
    {
        if (Enum.TryParse<AreaOfDisagreement>(area, ignoreCase: false, out var parsed) && Enum.IsDefined(parsed)) return parsed;
        errors.Add("area", "must be one of the areas of disagreement");
        return default;
    }

    /// <summary>Checks the acting party of a change command.</summary>
    public static void Actor(FieldErrors errors, string? disagreementId, M.ActorRef? by)
    {
        errors.Required("disagreement_id", disagreementId, 64);
        if (by is null) errors.Add("by", "is required");
        else
        {
            errors.Required("by.agency_code", by.AgencyCode, 64);
            errors.Required("by.role", by.Role, 100);
        }
    }
}
