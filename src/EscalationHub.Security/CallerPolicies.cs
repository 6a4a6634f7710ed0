using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace EscalationHub.Security;

/// <summary>Who may call a method at all.</summary>
public enum Access
{
    /// <summary>No certificate needed: the health service only.</summary>
    Anyone,
    /// <summary>An agency certificate (or, where the policy says so, the agency's replication identity); what the agency
    /// may see is then checked against the case (party or not).</summary>
    Agency,
    /// <summary>An operator certificate: flow metadata, never identities or free text.</summary>
    Operator,
    /// <summary>Any partnership certificate (server reflection, so grpcurl works with a certificate).</summary>
    AnyCertificate,
}

/// <summary>A method's policy: who may call it, the request field (a dotted path) that names the calling agency, which
/// the hub checks against (or fills from) the certificate, and whether an agency's replication identity may call it
/// too (the ledger's read and proof methods only: a replica never acts).</summary>
public sealed record MethodPolicy(Access Access, string? CallerField = null, bool Replica = false);

/// <summary>
/// The authorization table of the hub's gRPC edge: every method the hub serves has one entry; a method without one
/// is refused (fail closed), and a test checks that every method in the contract has an entry. Where a request names
/// the acting agency (agency_code, raised_by.agency_code, by.agency_code), that agency must be the caller's own: an
/// empty field is filled in from the certificate, a different agency is refused with PERMISSION_DENIED.
/// </summary>
public static class CallerPolicies
{
    private static readonly Dictionary<string, MethodPolicy> ByMethod = new(StringComparer.Ordinal)
    {
        ["/escalationhub.v1.Concerns/RaiseConcern"] = new(Access.Agency, "raised_by.agency_code"),
        ["/escalationhub.v1.Concerns/GetConcern"] = new(Access.Agency, "agency_code"),
        ["/escalationhub.v1.Concerns/WatchConcern"] = new(Access.Agency, "agency_code"),

        ["/escalationhub.v1.Escalations/OpenDisagreement"] = new(Access.Agency, "raised_by.agency_code"),
        ["/escalationhub.v1.Escalations/RecordDiscussion"] = new(Access.Agency, "by.agency_code"),
        ["/escalationhub.v1.Escalations/ApproveRecord"] = new(Access.Agency, "by.agency_code"),
        ["/escalationhub.v1.Escalations/EscalateDisagreement"] = new(Access.Agency, "by.agency_code"),
        ["/escalationhub.v1.Escalations/ResolveDisagreement"] = new(Access.Agency, "by.agency_code"),
        ["/escalationhub.v1.Escalations/DecideFinalOutcome"] = new(Access.Agency, "by.agency_code"),
        ["/escalationhub.v1.Escalations/GiveFeedback"] = new(Access.Agency, "by.agency_code"),
        ["/escalationhub.v1.Escalations/RecordLearning"] = new(Access.Agency, "by.agency_code"),
        ["/escalationhub.v1.Escalations/CloseDisagreement"] = new(Access.Agency, "by.agency_code"),
        ["/escalationhub.v1.Escalations/GetDisagreement"] = new(Access.Agency, "agency_code"),
        ["/escalationhub.v1.Escalations/ListDisagreements"] = new(Access.Agency, "agency_code"),
        ["/escalationhub.v1.Escalations/WatchDisagreement"] = new(Access.Agency, "agency_code"),
        ["/escalationhub.v1.Escalations/GetEscalationRecord"] = new(Access.Agency, "agency_code"),

        // Purpose REPLICATION is for the agency's replication identity alone, and that identity reads for nothing else
        // (checked by the Ledger service, which sees the purpose).
        ["/escalationhub.v1.Ledger/GetChildFile"] = new(Access.Agency, "agency_code", Replica: true),
        ["/escalationhub.v1.Ledger/ListChildFileReads"] = new(Access.Agency, "agency_code"),
        // Hashes, signatures and public keys only: any registered agency (and its replica) may check the log; nothing
        // here names a child.
        ["/escalationhub.v1.Ledger/GetLatestTreeHead"] = new(Access.Agency, Replica: true),
        ["/escalationhub.v1.Ledger/GetInclusionProof"] = new(Access.Agency, Replica: true),
        ["/escalationhub.v1.Ledger/GetConsistencyProof"] = new(Access.Agency, Replica: true),
        ["/escalationhub.v1.Ledger/GetHubPublicKey"] = new(Access.Agency, Replica: true),
        ["/escalationhub.v1.Ledger/GetAgencyKeys"] = new(Access.Agency, Replica: true), // agency_code there is whose keys, not the caller

        ["/grpc.health.v1.Health/Check"] = new(Access.Anyone),
        ["/grpc.health.v1.Health/Watch"] = new(Access.Anyone),
        ["/grpc.health.v1.Health/List"] = new(Access.Anyone),
        ["/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"] = new(Access.AnyCertificate),
        ["/grpc.reflection.v1.ServerReflection/ServerReflectionInfo"] = new(Access.AnyCertificate),
    };

    /// <summary>Every method of the Operations service is for operators, whatever is added to it later.</summary>
    private const string OperationsPrefix = "/escalationhub.v1.Operations/";

    /// <summary>The policy of a method ("/package.Service/Method"); null when it has none (refused).</summary>
    public static MethodPolicy? For(string method) =>
        ByMethod.TryGetValue(method, out var policy) ? policy
        : method.StartsWith(OperationsPrefix, StringComparison.Ordinal) ? new MethodPolicy(Access.Operator)
        : null;

    /// <summary>The agency a request names in its caller field ("" when empty or the method has none).</summary>
    public static string NamedAgency(MethodPolicy policy, IMessage request)
    {
        if (policy.CallerField is null) return "";
        var (parent, field) = Resolve(request, policy.CallerField, create: false);
        return parent is null ? "" : (string)field.Accessor.GetValue(parent) ?? "";
    }

    /// <summary>Writes the caller's agency into the request's caller field (creating the enclosing message if absent).</summary>
    public static void SetNamedAgency(MethodPolicy policy, IMessage request, string agencyCode)
    {
        if (policy.CallerField is null) return;
        var (parent, field) = Resolve(request, policy.CallerField, create: true);
        field.Accessor.SetValue(parent!, agencyCode);
    }

    private static (IMessage? Parent, FieldDescriptor Field) Resolve(IMessage message, string path, bool create)
    {
        var names = path.Split('.');
        IMessage? current = message;
        for (var i = 0; i < names.Length - 1; i++)
        {
            var field = current!.Descriptor.FindFieldByName(names[i]) ?? throw new InvalidOperationException($"{message.Descriptor.FullName} has no field {path}");
            var next = (IMessage?)field.Accessor.GetValue(current);
            if (next is null)
            {
                if (!create) return (null, Leaf(field.MessageType, names[^1], path));
                next = field.MessageType.Parser.ParseFrom(ByteString.Empty);
                field.Accessor.SetValue(current, next);
            }
            current = next;
        }
        return (current, Leaf(current!.Descriptor, names[^1], path));
    }

    private static FieldDescriptor Leaf(MessageDescriptor descriptor, string name, string path) =>
        descriptor.FindFieldByName(name) is { FieldType: FieldType.String } field ? field
        : throw new InvalidOperationException($"{descriptor.FullName} has no string field {name} ({path})");
}
