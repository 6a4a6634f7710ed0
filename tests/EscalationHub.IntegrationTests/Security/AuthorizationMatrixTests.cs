using System.Text;
using EscalationHub.Contracts.V1;
using EscalationHub.IntegrationTests.Infrastructure;
using EscalationHub.Security;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Health.V1;

namespace EscalationHub.IntegrationTests.Security;

/// <summary>
/// Every RPC the hub serves, called over real HTTP/2 with TLS as every kind of caller: the agency that raised the
/// concern and the disagreement, the agency that responds, an agency with no part in either, an operator, and a caller
/// with no certificate, and the raising agency's replication identity (its ledger replica's certificate). The table
/// below is the whole policy; the test fails if any cell differs, and if the contract has an RPC the table does not
/// list. A = allowed (OK, or an answer about the case itself: FAILED_PRECONDITION, INVALID_ARGUMENT or ALREADY_EXISTS;
/// any other status shows as "?" and its code, counted as neither); N = NOT_FOUND, the same answer as for an id that
/// does not exist (an agency not party to a case is not told that it exists); D = PERMISSION_DENIED;
/// U = UNAUTHENTICATED. A row "method#replication" is the method called with purpose REPLICATION.
/// </summary>
public sealed class AuthorizationMatrixTests(EmbeddedHub fixture) : IClassFixture<EmbeddedHub>
{
    private const string Raising = "uhl-health", Responding = "leics-socialcare", Uninvolved = "leics-police";
    private static readonly string[] Roles = ["raising party", "responding party", "uninvolved agency", "operator", "anonymous", "replica"];

    private static readonly string Expected = """
        method                                                        raising responding uninvolved operator anonymous replica
        escalationhub.v1.Concerns/RaiseConcern                        A       A          A          D        U         D
        escalationhub.v1.Concerns/GetConcern                          A       A          N          D        U         D
        escalationhub.v1.Concerns/WatchConcern                        A       A          N          D        U         D
        escalationhub.v1.Escalations/OpenDisagreement                 A       A          N          D        U         D
        escalationhub.v1.Escalations/RecordDiscussion                 A       A          N          D        U         D
        escalationhub.v1.Escalations/ApproveRecord                    A       A          N          D        U         D
        escalationhub.v1.Escalations/EscalateDisagreement             A       A          N          D        U         D
        escalationhub.v1.Escalations/ResolveDisagreement              A       A          N          D        U         D
        escalationhub.v1.Escalations/DecideFinalOutcome               A       A          N          D        U         D
        escalationhub.v1.Escalations/GiveFeedback                     A       A          N          D        U         D
        escalationhub.v1.Escalations/RecordLearning                   A       A          N          D        U         D
        escalationhub.v1.Escalations/CloseDisagreement                A       A          N          D        U         D
        escalationhub.v1.Escalations/GetDisagreement                  A       A          N          D        U         D
        escalationhub.v1.Escalations/ListDisagreements                A       A          A          D        U         D
        escalationhub.v1.Escalations/WatchDisagreement                A       A          N          D        U         D
        escalationhub.v1.Escalations/GetEscalationRecord              A       A          N          D        U         D
        escalationhub.v1.Ledger/GetChildFile                          A       A          N          D        U         D
        escalationhub.v1.Ledger/GetChildFile#replication              D       D          D          D        U         A
        escalationhub.v1.Ledger/ListChildFileReads                    A       A          N          D        U         D
        escalationhub.v1.Ledger/GetLatestTreeHead                     A       A          A          D        U         A
        escalationhub.v1.Ledger/GetInclusionProof                     A       A          A          D        U         A
        escalationhub.v1.Ledger/GetConsistencyProof                   A       A          A          D        U         A
        escalationhub.v1.Ledger/GetHubPublicKey                       A       A          A          D        U         A
        escalationhub.v1.Ledger/GetAgencyKeys                         A       A          A          D        U         A
        escalationhub.v1.Operations/WatchFlow                         D       D          D          A        U         D
        escalationhub.v1.Operations/ListFlow                          D       D          D          A        U         D
        escalationhub.v1.Operations/GetFlowStatistics                 D       D          D          A        U         D
        escalationhub.v1.Operations/ListDeadLetters                   D       D          D          A        U         D
        escalationhub.v1.Operations/Redrive                           D       D          D          A        U         D
        escalationhub.v1.Operations/ListAdapters                      D       D          D          A        U         D
        escalationhub.v1.Operations/ListOverdueStages                 D       D          D          A        U         D
        grpc.health.v1.Health/Check                                   A       A          A          A        A         A
        grpc.health.v1.Health/Watch                                   A       A          A          A        A         A
        grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo A       A          A          A        U         A
        """;

    private readonly TestHub hub = fixture.Hub;

    [Fact]
    public void The_table_covers_every_rpc_of_the_contract_and_every_one_has_a_policy()
    {
        var contract = new[] { Concerns.Descriptor, Escalations.Descriptor, EscalationHub.Contracts.V1.Ledger.Descriptor, EscalationHub.Contracts.V1.Operations.Descriptor }
            .SelectMany(s => s.Methods.Select(m => $"{s.FullName}/{m.Name}"))
            .Concat(["grpc.health.v1.Health/Check", "grpc.health.v1.Health/Watch", "grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"])
            .Order().ToList();

        Assert.Equal(contract, ExpectedTable().Keys.Select(k => k.Split('#')[0]).Distinct().Order().ToList());
        Assert.All(contract, method => Assert.NotNull(CallerPolicies.For("/" + method)));
        Assert.Null(CallerPolicies.For("/escalationhub.v1.Concerns/SomethingNew")); // fail closed
    }

    [Fact]
    public async Task Every_rpc_as_every_role_gives_exactly_the_expected_answer()
    {
        var c = await SetUpCaseAsync();
        var calls = Calls(c);
        var expected = ExpectedTable();
        var differences = new List<string>();
        var actual = new StringBuilder();
        foreach (var (method, call) in calls)
        {
            var row = new List<string>();
            // The refused callers first, so a party's change of state cannot hide a refusal.
            foreach (var role in new[] { 5, 4, 3, 2, 1, 0 })
            {
                var (clients, agency) = Caller(role);
                var outcome = await OutcomeAsync(() => call(clients, agency));
                row.Insert(0, outcome);
                if (outcome != expected[method][role])
                    differences.Add($"{method} as {Roles[role]}: expected {expected[method][role]}, got {outcome}");
            }
            actual.AppendLine($"{method,-62}{string.Join(' ', row)}");
        }

        Assert.Equal(expected.Keys.Order(), calls.Keys.Order());
        Assert.True(differences.Count == 0, $"cells that differ:\n{string.Join('\n', differences)}\nactual table:\n{actual}");
    }

    [Fact]
    public async Task An_uninvolved_agency_lists_no_disagreement_it_is_not_party_to()
    {
        var c = await SetUpCaseAsync();

        var police = await hub.As(Uninvolved).Escalations.ListDisagreementsAsync(new ListDisagreementsRequest());
        var raising = await hub.As(Raising).Escalations.ListDisagreementsAsync(new ListDisagreementsRequest { ChildFileId = c.ChildFileId });

        Assert.DoesNotContain(police.Disagreements, d => d.DisagreementId == c.DisagreementId);
        Assert.Contains(raising.Disagreements, d => d.DisagreementId == c.DisagreementId);
    }

    private (HubClients Clients, string Agency) Caller(int role) => role switch
    {
        0 => (hub.As(Raising), Raising),
        1 => (hub.As(Responding), Responding),
        2 => (hub.As(Uninvolved), Uninvolved),
        3 => (hub.AsOperator(), ""),
        5 => (hub.AsReplica(Raising), Raising),
        _ => (hub.Anonymous(), ""),
    };

    private static Dictionary<string, string[]> ExpectedTable() =>
        Expected.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Skip(1)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .ToDictionary(cells => cells[0], cells => cells[1..]);

    private static async Task<string> OutcomeAsync(Func<Task> call)
    {
        try
        {
            await call();
            return "A";
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.PermissionDenied)
        {
            return "D";
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Unauthenticated)
        {
            return "U";
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.NotFound)
        {
            return "N";
        }
        catch (RpcException ex) when (ex.StatusCode is StatusCode.FailedPrecondition or StatusCode.InvalidArgument or StatusCode.AlreadyExists)
        {
            return "A"; // answered about the case itself: the caller was let in
        }
        catch (RpcException ex)
        {
            return $"?{ex.StatusCode}"; // neither let in nor refused (a reset, a timeout): never counted as either
        }
    }

    private sealed record Case(string ConcernId, string ChildFileId, string DisagreementId, long TreeSize);

    /// <summary>A concern from the hospital to social care, and a disagreement between them about that child, with a
    /// record of a discussion (R1) so every request below is valid.</summary>
    private async Task<Case> SetUpCaseAsync()
    {
        var concern = await hub.As(Raising).Concerns.RaiseConcernAsync(Requests.HospitalReferral());
        var disagreement = await hub.As(Raising).Escalations.OpenDisagreementAsync(Disagreements.Open(concern.ChildFileId));
        await hub.As(Raising).Escalations.RecordDiscussionAsync(new RecordDiscussionRequest
        {
            DisagreementId = disagreement.DisagreementId, By = Disagreements.As(Raising), HeldAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
            Summary = "Practitioners discussed the threshold decision.", Attendees = { "Named Nurse", "Social worker" }, IsMeeting = true,
        });
        var head = await hub.As(Raising).Ledger.GetLatestTreeHeadAsync(new GetLatestTreeHeadRequest());
        return new Case(concern.ConcernId, concern.ChildFileId, disagreement.DisagreementId, head.TreeSize);
    }

    private static Dictionary<string, Func<HubClients, string, Task>> Calls(Case c)
    {
        Actor By(string agency) => Disagreements.As(agency);
        var id = c.DisagreementId;
        return new()
        {
            ["escalationhub.v1.Concerns/RaiseConcern"] = async (h, a) =>
            {
                var request = Requests.HospitalReferral();
                request.RaisedBy.AgencyCode = a;
                // Another child: raising a concern about the case's child would make the uninvolved agency a party.
                request.Child.NhsNumber = "485 777 3457";
                await h.Concerns.RaiseConcernAsync(request);
            },
            ["escalationhub.v1.Concerns/GetConcern"] = async (h, a) => await h.Concerns.GetConcernAsync(new GetConcernRequest { ConcernId = c.ConcernId, AgencyCode = a }),
            ["escalationhub.v1.Concerns/WatchConcern"] = (h, a) => FirstAsync(h.Concerns.WatchConcern(new WatchConcernRequest { ConcernId = c.ConcernId, AgencyCode = a }, deadline: Soon)),
            ["escalationhub.v1.Escalations/OpenDisagreement"] = async (h, a) =>
                await h.Escalations.OpenDisagreementAsync(Disagreements.Open(c.ChildFileId, raiser: a, responder: a == Responding ? Raising : Responding)),
            ["escalationhub.v1.Escalations/RecordDiscussion"] = async (h, a) => await h.Escalations.RecordDiscussionAsync(new RecordDiscussionRequest
            {
                DisagreementId = id, By = By(a), HeldAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow), Summary = "A further call.",
            }),
            ["escalationhub.v1.Escalations/ApproveRecord"] = async (h, a) => await h.Escalations.ApproveRecordAsync(new ApproveRecordRequest { DisagreementId = id, By = By(a), RecordId = "R1" }),
            ["escalationhub.v1.Escalations/EscalateDisagreement"] = async (h, a) => await h.Escalations.EscalateDisagreementAsync(new EscalateDisagreementRequest { DisagreementId = id, By = By(a), Reason = "No agreement at this stage." }),
            ["escalationhub.v1.Escalations/ResolveDisagreement"] = async (h, a) => await h.Escalations.ResolveDisagreementAsync(new ResolveDisagreementRequest { DisagreementId = id, By = By(a), Summary = "Agreed a strategy discussion." }),
            ["escalationhub.v1.Escalations/DecideFinalOutcome"] = async (h, a) => await h.Escalations.DecideFinalOutcomeAsync(new DecideFinalOutcomeRequest
            {
                DisagreementId = id, By = By(a), Outcome = FinalOutcome.Mediation, DecidedBy = "Chair of the Local Delivery Group", Summary = "Mediation.",
            }),
            ["escalationhub.v1.Escalations/GiveFeedback"] = async (h, a) => await h.Escalations.GiveFeedbackAsync(new GiveFeedbackRequest { DisagreementId = id, By = By(a), Summary = "Told the raiser." }),
            ["escalationhub.v1.Escalations/RecordLearning"] = async (h, a) => await h.Escalations.RecordLearningAsync(new RecordLearningRequest { DisagreementId = id, By = By(a), Learning = "Threshold guidance.", Themes = { LearningTheme.ThresholdUnderstanding } }),
            ["escalationhub.v1.Escalations/CloseDisagreement"] = async (h, a) => await h.Escalations.CloseDisagreementAsync(new CloseDisagreementRequest { DisagreementId = id, By = By(a) }),
            ["escalationhub.v1.Escalations/GetDisagreement"] = async (h, a) => await h.Escalations.GetDisagreementAsync(new GetDisagreementRequest { DisagreementId = id, AgencyCode = a }),
            ["escalationhub.v1.Escalations/ListDisagreements"] = async (h, a) => await h.Escalations.ListDisagreementsAsync(new ListDisagreementsRequest { AgencyCode = a }),
            ["escalationhub.v1.Escalations/GetEscalationRecord"] = async (h, a) => await h.Escalations.GetEscalationRecordAsync(new GetEscalationRecordRequest { DisagreementId = id, AgencyCode = a }),
            ["escalationhub.v1.Escalations/WatchDisagreement"] = (h, a) => FirstAsync(h.Escalations.WatchDisagreement(new WatchDisagreementRequest { DisagreementId = id, AgencyCode = a }, deadline: Soon)),
            ["escalationhub.v1.Ledger/GetChildFile"] = async (h, a) => await h.Ledger.GetChildFileAsync(new GetChildFileRequest { ChildFileId = c.ChildFileId, AgencyCode = a }),
            ["escalationhub.v1.Ledger/GetChildFile#replication"] = async (h, a) =>
                await h.Ledger.GetChildFileAsync(new GetChildFileRequest { ChildFileId = c.ChildFileId, AgencyCode = a, Purpose = ReadPurpose.Replication }),
            ["escalationhub.v1.Ledger/ListChildFileReads"] = async (h, a) => await h.Ledger.ListChildFileReadsAsync(new ListChildFileReadsRequest { ChildFileId = c.ChildFileId, AgencyCode = a }),
            ["escalationhub.v1.Ledger/GetLatestTreeHead"] = async (h, _) => await h.Ledger.GetLatestTreeHeadAsync(new GetLatestTreeHeadRequest()),
            ["escalationhub.v1.Ledger/GetInclusionProof"] = async (h, _) => await h.Ledger.GetInclusionProofAsync(new GetInclusionProofRequest { EntryIndex = 0, TreeSize = c.TreeSize }),
            ["escalationhub.v1.Ledger/GetConsistencyProof"] = async (h, _) => await h.Ledger.GetConsistencyProofAsync(new GetConsistencyProofRequest { FirstSize = 1, SecondSize = c.TreeSize }),
            ["escalationhub.v1.Ledger/GetHubPublicKey"] = async (h, _) => await h.Ledger.GetHubPublicKeyAsync(new GetHubPublicKeyRequest()),
            ["escalationhub.v1.Ledger/GetAgencyKeys"] = async (h, _) => await h.Ledger.GetAgencyKeysAsync(new GetAgencyKeysRequest { AgencyCode = Responding }),
            ["escalationhub.v1.Operations/WatchFlow"] = (h, _) => FirstAsync(h.Operations.WatchFlow(new WatchFlowRequest { Backlog = 1 }, deadline: Soon)),
            ["escalationhub.v1.Operations/ListFlow"] = async (h, _) => await h.Operations.ListFlowAsync(new ListFlowRequest()),
            ["escalationhub.v1.Operations/GetFlowStatistics"] = async (h, _) => await h.Operations.GetFlowStatisticsAsync(new GetFlowStatisticsRequest()),
            ["escalationhub.v1.Operations/ListDeadLetters"] = async (h, _) => await h.Operations.ListDeadLettersAsync(new ListDeadLettersRequest()),
            ["escalationhub.v1.Operations/Redrive"] = async (h, _) =>
            {
                // An operator is let in and told there is no such dead letter: not an "N" (which is about a case).
                try { await h.Operations.RedriveAsync(new RedriveRequest { Ids = { Guid.NewGuid().ToString() } }); }
                catch (RpcException ex) when (ex.StatusCode == StatusCode.NotFound) { }
            },
            ["escalationhub.v1.Operations/ListAdapters"] = async (h, _) => await h.Operations.ListAdaptersAsync(new ListAdaptersRequest()),
            ["escalationhub.v1.Operations/ListOverdueStages"] = async (h, _) => await h.Operations.ListOverdueStagesAsync(new ListOverdueStagesRequest()),
            ["grpc.health.v1.Health/Check"] = async (h, _) => await h.Health.CheckAsync(new HealthCheckRequest()),
            ["grpc.health.v1.Health/Watch"] = (h, _) => FirstAsync(h.Health.Watch(new HealthCheckRequest(), deadline: Soon)),
            ["grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"] = ReflectAsync,
        };
    }

    private static DateTime Soon => DateTime.UtcNow.AddSeconds(10);

    /// <summary>A stream is let in when it sends something, or runs to its deadline without being refused.</summary>
    private static async Task FirstAsync<T>(AsyncServerStreamingCall<T> call)
    {
        using (call)
        {
            try { await call.ResponseStream.MoveNext(CancellationToken.None); }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.DeadlineExceeded) { }
        }
    }

    /// <summary>ServerReflectionInfo with list_services "*" (field 7), raw bytes: the test needs no reflection client.</summary>
    private static async Task ReflectAsync(HubClients clients, string _)
    {
        var marshaller = Marshallers.Create<byte[]>(b => b, b => b);
        var method = new Method<byte[], byte[]>(MethodType.DuplexStreaming, "grpc.reflection.v1alpha.ServerReflection", "ServerReflectionInfo", marshaller, marshaller);
        using var call = clients.Invoker.AsyncDuplexStreamingCall(method, null, new CallOptions(deadline: Soon));
        await call.RequestStream.WriteAsync([0x3A, 0x01, (byte)'*']);
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Contains("escalationhub.v1.Concerns", Encoding.UTF8.GetString(call.ResponseStream.Current));
    }
}
