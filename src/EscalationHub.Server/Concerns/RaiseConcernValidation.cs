using EscalationHub.Contracts.Messages;
using EscalationHub.Domain.Identifiers;
using EscalationHub.Server.Agencies;
using EscalationHub.Server.Grpc;

namespace EscalationHub.Server.Concerns;

/// <summary>What a RaiseConcern must satisfy, whichever way it came in (gRPC or bus; on the bus any part may be
/// missing from the JSON). Field names are the contract's, so an error points at the field the caller sent.</summary>
public static class RaiseConcernValidation
{
    public const int MaxDetailsLength = 8000;
    public const int MaxNameLength = 100;

    /// <returns>The command with the NHS number normalised to ten digits and names trimmed.</returns>
    public static RaiseConcern Validate(RaiseConcern command, AgencyDirectory agencies, DateTimeOffset now, FieldErrors errors)
    {
        errors.Required("idempotency_key", command.IdempotencyKey, 100);

        var child = command.Child;
        string? nhsNumber = null;
        if (child is null) errors.Add("child", "is required");
        else
        {
            if (!string.IsNullOrEmpty(child.NhsNumber))
            {
                if (NhsNumber.TryParse(child.NhsNumber, out var parsed, out var why)) nhsNumber = parsed.Value;
                else errors.Add("child.nhs_number", why);
            }
            errors.Required("child.given_name", child.GivenName, MaxNameLength);
            errors.Required("child.family_name", child.FamilyName, MaxNameLength);
            if (child.DateOfBirth.Year < 1900) errors.Add("child.date_of_birth", "is required: a valid date since 1900");
            else if (child.DateOfBirth > DateOnly.FromDateTime(now.UtcDateTime.AddDays(1))) errors.Add("child.date_of_birth", "is in the future");
        }

        var raisedBy = command.RaisedBy;
        if (raisedBy is null) errors.Add("raised_by", "is required");
        else
        {
            errors.Required("raised_by.agency_code", raisedBy.AgencyCode, 64);
            if (!string.IsNullOrEmpty(raisedBy.AgencyCode) && agencies.Find(raisedBy.AgencyCode) is null)
                errors.Add("raised_by.agency_code", $"'{raisedBy.AgencyCode}' is not a registered agency");
            errors.Required("raised_by.role", raisedBy.Role, MaxNameLength);
        }

        var addressedTo = command.AddressedToAgencyCode;
        errors.Required("addressed_to_agency_code", addressedTo, 64);
        if (!string.IsNullOrEmpty(addressedTo) && agencies.Find(addressedTo) is null)
            errors.Add("addressed_to_agency_code", $"'{addressedTo}' is not a registered agency");
        else if (!string.IsNullOrEmpty(addressedTo) && addressedTo == raisedBy?.AgencyCode)
            errors.Add("addressed_to_agency_code", "must be another agency than the raising one");

        if (!Enum.IsDefined(command.Category)) errors.Add("category", "must be one of the concern categories");
        if (!Enum.IsDefined(command.HarmLevel)) errors.Add("harm_level", "must be STANDARD, SIGNIFICANT_HARM or IMMINENT_HARM");
        errors.RequiredText("details", command.Details, MaxDetailsLength);

        if (errors.HasErrors) return command;
        return command with
        {
            Child = child! with { NhsNumber = nhsNumber, GivenName = child.GivenName.Trim(), FamilyName = child.FamilyName.Trim() },
            RaisedBy = raisedBy! with { Role = raisedBy.Role.Trim() },
        };
    }
}
