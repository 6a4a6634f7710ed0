using System.Formats.Asn1;
using System.Security.Cryptography.X509Certificates;

namespace EscalationHub.Security;

/// <summary>What a caller may be: an agency (acts on the cases it is party to), an operator (flow metadata only), or an
/// agency's replication identity (its verified copy of the ledger: reads its child files for replication and checks
/// proofs; never acts).</summary>
public enum CallerRole
{
    Agency,
    Operator,
    Replica,
}

/// <summary>Who a client certificate says its holder is. The identity is a URI in the certificate's subject
/// alternative names, one per certificate: <c>urn:escalationhub:agency:&lt;agency code&gt;</c>,
/// <c>urn:escalationhub:replica:&lt;agency code&gt;</c> or <c>urn:escalationhub:operator:&lt;name&gt;</c>. The subject's CN and OU repeat it for people reading the certificate,
/// but only the URI counts (a SAN is what the CA vouches for in a machine-readable way).</summary>
public sealed record CallerIdentity(CallerRole Role, string Name)
{
    public const string UriPrefix = "urn:escalationhub:";
    public const string AgencyUriPrefix = UriPrefix + "agency:";
    public const string OperatorUriPrefix = UriPrefix + "operator:";
    public const string ReplicaUriPrefix = UriPrefix + "replica:";

    public static CallerIdentity Agency(string code) => new(CallerRole.Agency, code);
    public static CallerIdentity Operator(string name) => new(CallerRole.Operator, name);
    public static CallerIdentity Replica(string agencyCode) => new(CallerRole.Replica, agencyCode);

    /// <summary>The agency code (of the agency, or of the agency whose replica this is), or null for an operator.</summary>
    public string? AgencyCode => Role is CallerRole.Agency or CallerRole.Replica ? Name : null;

    public string Uri => Role switch
    {
        CallerRole.Agency => AgencyUriPrefix,
        CallerRole.Replica => ReplicaUriPrefix,
        _ => OperatorUriPrefix,
    } + Name;

    public override string ToString() => Role switch
    {
        CallerRole.Agency => $"agency '{Name}'",
        CallerRole.Replica => $"the replication identity of agency '{Name}'",
        _ => $"operator '{Name}'",
    };

    /// <summary>Reads the identity URI; null with the reason when there is none, more than one, or it is malformed.</summary>
    public static CallerIdentity? FromCertificate(X509Certificate2 certificate, out string? error)
    {
        var uris = SubjectAlternativeUris(certificate).Where(u => u.StartsWith(UriPrefix, StringComparison.Ordinal)).ToList();
        error = null;
        if (uris.Count != 1)
        {
            error = uris.Count == 0 ? $"the certificate names no {UriPrefix}… identity" : "the certificate names more than one identity";
            return null;
        }
        var uri = uris[0];
        var identity = uri.StartsWith(AgencyUriPrefix, StringComparison.Ordinal) ? Agency(uri[AgencyUriPrefix.Length..])
            : uri.StartsWith(OperatorUriPrefix, StringComparison.Ordinal) ? Operator(uri[OperatorUriPrefix.Length..])
            : uri.StartsWith(ReplicaUriPrefix, StringComparison.Ordinal) ? Replica(uri[ReplicaUriPrefix.Length..])
            : null;
        if (identity is null || !IsValidName(identity.Name))
        {
            error = $"'{uri}' is not an agency, replica or operator identity";
            return null;
        }
        return identity;
    }

    /// <summary>Agency codes and operator names: 1..64 of lower-case letters, digits, '-', '.', '_'.</summary>
    public static bool IsValidName(string name) =>
        name.Length is > 0 and <= 64 && name.All(c => c is >= 'a' and <= 'z' or >= '0' and <= '9' or '-' or '.' or '_');

    private static IEnumerable<string> SubjectAlternativeUris(X509Certificate2 certificate)
    {
        var extension = certificate.Extensions["2.5.29.17"];
        if (extension is null) yield break;
        var reader = new AsnReader(extension.RawData, AsnEncodingRules.DER).ReadSequence();
        while (reader.HasData)
        {
            var tag = reader.PeekTag();
            // GeneralName uniformResourceIdentifier [6] IA5String
            if (tag.TagClass == TagClass.ContextSpecific && tag.TagValue == 6)
                yield return reader.ReadCharacterString(UniversalTagNumber.IA5String, new Asn1Tag(TagClass.ContextSpecific, 6));
            else
                reader.ReadEncodedValue();
        }
    }
}
