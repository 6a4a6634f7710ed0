using System.Globalization;
using EscalationHub.Adapters.Health.Hl7;
using EscalationHub.Adapters.Runtime.AgencySystem;
using EscalationHub.Contracts.Messages;

namespace EscalationHub.Adapters.Health.Referrals;

/// <summary>The outcome of reading a referral: a concern to raise, or the acknowledgement code and the errors to
/// answer with (nothing is sent to the hub then).</summary>
public sealed record Hl7Referral(RaiseConcern? Concern, AckCode Code, IReadOnlyList<Hl7Error> Errors);

/// <summary>An ICE safeguarding referral (REF^I12, HL7 v2.4-2.5.1) as a RaiseConcern. What is read, and from where:
/// <list type="bullet">
/// <item>MSH-10 (with MSH-4, the sending facility): the idempotency key, so the same message sent twice is one concern.</item>
/// <item>PID-3: the NHS number is the repetition whose assigning authority (CX.4) is "NHS" or whose type (CX.5) is
/// "NH"; other repetitions (hospital numbers) are ignored. Checked with the modulus 11 check digit.</item>
/// <item>PID-5: the legal name (XPN.7 = L) or the first; PID-7: date of birth (YYYYMMDD[...]).</item>
/// <item>PID-11: the home address (XAD.7 = H) or the first; its postcode area picks the local authority.</item>
/// <item>RF1-2 priority (HL7 table 0280): S = STAT -> imminent harm, A = ASAP -> significant harm, R or empty -> standard.</item>
/// <item>RF1-10 referral reason: coded in the "EHSG" system gives the category, else one coded only in SNOMED CT ("SCT")
/// through the documented table (a concept not in it is refused AE), else Other (see <see cref="ConcernCodes"/>).</item>
/// <item>PRD with PRD-1 = RP (referring provider): the role in PRD-1.2.</item>
/// <item>Details: RF1-10 text, DG1 descriptions, OBX observations ("label: value") and NTE comments, in message order.</item>
/// </list>
/// Segments the adapter does not use (PV1, NK1, AL1, Z-segments...) are accepted and ignored.</summary>
public static class Hl7ReferralMapper
{
    public const string DefaultRole = "Referring clinician";

    public static Hl7Referral Map(Hl7Message message, string agencyCode, HealthSettings settings, DateTimeOffset now)
    {
        var msh = message.Header;
        var type = msh[9];
        if (!string.Equals(type.Value(1), "REF", StringComparison.Ordinal))
            return Reject(new Hl7Location("MSH", 1, 9, 1, 1), Hl7Error.UnsupportedMessageType, $"message type \"{message.MessageType}\" is not supported: send REF^I12");
        if (!string.Equals(type.Value(2), "I12", StringComparison.Ordinal))
            return Reject(new Hl7Location("MSH", 1, 9, 1, 2), Hl7Error.UnsupportedEventCode, $"event \"{type.Value(2)}\" is not supported: send REF^I12");
        var processing = msh[11].Value();
        if (processing is not ("" or "P" or "T" or "D"))
            return Reject(new Hl7Location("MSH", 1, 11), Hl7Error.UnsupportedProcessingId, $"processing id \"{processing}\" must be P, T or D");

        var errors = new List<Hl7Error>();
        void Error(Hl7Location at, int code, string text) => errors.Add(new Hl7Error(at, code, text));

        var controlId = msh[10].Value();
        if (controlId.Length == 0) Error(new("MSH", 1, 10), Hl7Error.RequiredFieldMissing, "the message control id is required");
        var key = $"hl7:{msh[4].Value()}:{controlId}";
        if (key.Length > ConcernChecks.MaxKeyLength) Error(new("MSH", 1, 10), Hl7Error.DataTypeError, "the message control id is too long");

        var pid = message.First("PID");
        var rf1 = message.First("RF1");
        if (pid is null) Error(new("PID"), Hl7Error.SegmentSequenceError, "the PID segment (the child) is missing");
        if (rf1 is null) Error(new("RF1"), Hl7Error.SegmentSequenceError, "the RF1 segment (the referral) is missing");
        if (pid is null || rf1 is null) return new Hl7Referral(null, AckCode.AE, errors);

        var nhsNumber = NhsNumber(pid, Error);

        var names = pid[5].Repetitions;
        var name = names.FirstOrDefault(n => n.Value(7) == "L") ?? names.FirstOrDefault();
        var nameRepetition = name is null ? 1 : IndexOf(names, name);
        var family = name?.Value(1) ?? "";
        var given = name?.Value(2) ?? "";
        ConcernChecks.Name(family, e => Error(new("PID", 1, 5, nameRepetition, 1), e == "is required" ? Hl7Error.RequiredFieldMissing : Hl7Error.DataTypeError, $"family name {e}"));
        ConcernChecks.Name(given, e => Error(new("PID", 1, 5, nameRepetition, 2), e == "is required" ? Hl7Error.RequiredFieldMissing : Hl7Error.DataTypeError, $"given name {e}"));

        var birth = pid[7].Value();
        DateOnly? dateOfBirth = null;
        if (birth.Length == 0) Error(new("PID", 1, 7), Hl7Error.RequiredFieldMissing, "date of birth is required");
        else if (birth.Length >= 8 && DateOnly.TryParseExact(birth[..8], "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed))
            dateOfBirth = parsed;
        else Error(new("PID", 1, 7), Hl7Error.DataTypeError, $"date of birth \"{birth}\" must be a date YYYYMMDD");
        if (dateOfBirth is not null) ConcernChecks.DateOfBirth(dateOfBirth, now, e => Error(new("PID", 1, 7), Hl7Error.DataTypeError, $"date of birth {e}"));

        var addresses = pid[11].Repetitions;
        var home = addresses.FirstOrDefault(a => a.Value(7) == "H") ?? addresses.FirstOrDefault();
        var postcode = home?.Value(5);
        var localAuthority = settings.LocalAuthorityFor(postcode);
        if (localAuthority is null)
            Error(new("PID", 1, 11, home is null ? 1 : IndexOf(addresses, home), 5), Hl7Error.TableValueNotFound,
                $"no local authority is configured for the postcode \"{postcode}\"");

        var priority = rf1[2].Value();
        HarmLevel harm = HarmLevel.Standard;
        switch (priority)
        {
            case "" or "R": harm = HarmLevel.Standard; break;
            case "A": harm = HarmLevel.SignificantHarm; break;
            case "S": harm = HarmLevel.ImminentHarm; break;
            default: Error(new("RF1", 1, 2, 1, 1), Hl7Error.TableValueNotFound, $"priority \"{priority}\" must be S (STAT), A (ASAP) or R (routine)"); break;
        }

        // EHSG wins; a reason coded only in SNOMED CT (SCT) takes its category from the documented table, or is refused
        // (never filed as Other); a reason coded in neither is Other.
        ConcernCategory? category = null, snomedCategory = null;
        var unmappedSnomed = new List<int>();
        var reasons = rf1[10].Repetitions;
        if (reasons.Count == 0) Error(new("RF1", 1, 10), Hl7Error.RequiredFieldMissing, "the referral reason is required");
        for (var i = 0; i < reasons.Count; i++)
        {
            var system = reasons[i].Value(3);
            if (string.Equals(system, ConcernCodes.Hl7System, StringComparison.OrdinalIgnoreCase))
            {
                if (ConcernCodes.TryCategory(reasons[i].Value(1), out var coded)) { category = coded; break; }
                Error(new("RF1", 1, 10, i + 1, 1), Hl7Error.TableValueNotFound, $"reason \"{reasons[i].Value(1)}\" is not one of {ConcernCodes.Listed}");
            }
            else if (string.Equals(system, ConcernCodes.SnomedHl7System, StringComparison.OrdinalIgnoreCase))
            {
                if (ConcernCodes.TrySnomed(reasons[i].Value(1), out var mapped)) snomedCategory ??= mapped;
                else unmappedSnomed.Add(i);
            }
        }
        if (category is null && snomedCategory is null)
            foreach (var i in unmappedSnomed)
                Error(new("RF1", 1, 10, i + 1, 1), Hl7Error.TableValueNotFound, $"SNOMED CT concept \"{reasons[i].Value(1)}\" is not in the adapter's table of " +
                    $"safeguarding reasons ({ConcernCodes.SnomedListed}; see docs/adapters.md): add the EHSG code, or send the reason as text only");

        var role = message.All("PRD").Select(p => (Hl7Field?)p[1]).FirstOrDefault(r => r!.Value.Value() == "RP") is { } referrer && referrer.Value(2).Trim() is { Length: > 0 } text
            ? text
            : DefaultRole;
        if (role.Length > ConcernChecks.MaxNameLength) role = role[..ConcernChecks.MaxNameLength];

        var details = Details(message, reasons);
        ConcernChecks.Details(details, e => Error(new("NTE", 1, 3), e == "is required" ? Hl7Error.RequiredFieldMissing : Hl7Error.DataTypeError,
            $"the referral's details (RF1-10 text, DG1, OBX, NTE) {e}"));

        if (errors.Count > 0) return new Hl7Referral(null, AckCode.AE, errors);
        return new Hl7Referral(new RaiseConcern(key, ConcernChecks.Child(nhsNumber, given, family, dateOfBirth!.Value),
            new ActorRef(agencyCode, role), localAuthority!, category ?? snomedCategory ?? ConcernCategory.Other, harm, details), AckCode.AA, []);
    }

    private static string? NhsNumber(Hl7Segment pid, Action<Hl7Location, int, string> error)
    {
        var identifiers = pid[3].Repetitions;
        string? found = null;
        for (var i = 0; i < identifiers.Count; i++)
        {
            var id = identifiers[i];
            var isNhs = string.Equals(id.Value(4, 1), "NHS", StringComparison.OrdinalIgnoreCase) || string.Equals(id.Value(5), "NH", StringComparison.OrdinalIgnoreCase);
            if (!isNhs) continue;
            if (id.Value(1).Trim().Length == 0) continue; // an empty or explicitly null ("") identifier says nothing
            var location = new Hl7Location("PID", 1, 3, i + 1, 1);
            var number = ConcernChecks.NhsNumberOrNull(id.Value(1), e => error(location, Hl7Error.DataTypeError, $"{e}: \"{id.Value(1)}\""));
            if (number is null) return null;
            if (found is not null && found != number)
            {
                error(location, Hl7Error.DataTypeError, "two different NHS numbers for one child");
                return null;
            }
            found = number;
        }
        return found;
    }

    private static string Details(Hl7Message message, IReadOnlyList<Hl7Repetition> reasons)
    {
        var lines = new List<string>();
        lines.AddRange(reasons.Select(r => r.Value(2).Trim()).Where(t => t.Length > 0));
        foreach (var segment in message.Segments)
        {
            switch (segment.Id)
            {
                case "DG1" when (segment[4].Value().Length > 0 ? segment[4].Value() : segment[3].Value(2)) is { Length: > 0 } diagnosis:
                    lines.Add($"Diagnosis: {diagnosis.Trim()}");
                    break;
                case "OBX":
                    var label = segment[3].Value(2) is { Length: > 0 } l ? l : segment[3].Value(1);
                    var value = string.Join("\n", segment[5].Repetitions.Select(r => r.Value()).Where(v => v.Length > 0));
                    if (value.Length > 0) lines.Add(label.Length > 0 ? $"{label.Trim()}: {value.Trim()}" : value.Trim());
                    break;
                case "NTE":
                    var comment = string.Join("\n", segment[3].Repetitions.Select(r => r.Value()));
                    if (comment.Trim().Length > 0) lines.Add(comment.Trim());
                    break;
            }
        }
        return string.Join("\n", lines);
    }

    private static int IndexOf(IReadOnlyList<Hl7Repetition> list, Hl7Repetition item)
    {
        for (var i = 0; i < list.Count; i++) if (ReferenceEquals(list[i], item)) return i + 1;
        return 1;
    }

    private static Hl7Referral Reject(Hl7Location at, int code, string text) => new(null, AckCode.AR, [new Hl7Error(at, code, text)]);
}
