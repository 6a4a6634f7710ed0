using System.Security.Cryptography.X509Certificates;
using EscalationHub.IntegrationTests.Infrastructure;
using EscalationHub.Security;
using Grpc.Core;

namespace EscalationHub.IntegrationTests.Security;

/// <summary>
/// A caller refused on a method whose request is a stream (server reflection, as grpcurl and buf curl use it) reads
/// the refusal, every time: not a reset stream reported as CANCELLED because the hub answered while it was still
/// writing. Found by the authorization matrix seeing the anonymous reflection cell fail about one run in three.
/// </summary>
public sealed class StreamRefusalTests(EmbeddedHub fixture) : IClassFixture<EmbeddedHub>
{
    private const int Tries = 200;
    private static readonly Marshaller<byte[]> Bytes = Marshallers.Create<byte[]>(b => b, b => b);
    private static readonly Method<byte[], byte[]> Reflection = new(MethodType.DuplexStreaming, "grpc.reflection.v1alpha.ServerReflection", "ServerReflectionInfo", Bytes, Bytes);
    private static readonly byte[] ListServices = [0x3A, 0x01, (byte)'*'];

    private readonly TestHub hub = fixture.Hub;

    [Fact]
    public async Task A_caller_without_a_certificate_that_writes_then_closes_its_stream_reads_UNAUTHENTICATED_every_time()
    {
        var outcomes = new List<string>();
        for (var i = 0; i < Tries; i++)
            outcomes.Add(await OutcomeAsync(hub.Anonymous().Invoker, closeRequestSide: true));

        Assert.Equal($"{Tries} x Unauthenticated: a client certificate issued by the partnership CA is required", Tally(outcomes));
    }

    [Fact]
    public async Task A_caller_without_a_certificate_that_keeps_its_stream_open_for_an_answer_reads_UNAUTHENTICATED()
    {
        var outcomes = new List<string>();
        for (var i = 0; i < 5; i++)
            outcomes.Add(await OutcomeAsync(hub.Anonymous().Invoker, closeRequestSide: false));

        Assert.Equal("5 x Unauthenticated: a client certificate issued by the partnership CA is required", Tally(outcomes));
    }

    [Fact]
    public async Task A_partnership_certificate_for_an_unregistered_agency_reads_PERMISSION_DENIED_on_reflection_every_time()
    {
        using var certificate = UnregisteredAgencyCertificate("ghost-agency");
        var invoker = hub.Callers.WithCertificate(certificate).Invoker;
        var outcomes = new List<string>();
        for (var i = 0; i < Tries; i++)
            outcomes.Add(await OutcomeAsync(invoker, closeRequestSide: true));

        Assert.Equal($"{Tries} x PermissionDenied: agency 'ghost-agency' is not registered with this hub", Tally(outcomes));
    }

    /// <summary>What the client saw: the status of the first failure, whether at its write, its close or its read.</summary>
    private static async Task<string> OutcomeAsync(CallInvoker invoker, bool closeRequestSide)
    {
        try
        {
            using var call = invoker.AsyncDuplexStreamingCall(Reflection, null, new CallOptions(deadline: DateTime.UtcNow.AddSeconds(10)));
            await call.RequestStream.WriteAsync(ListServices);
            if (closeRequestSide) await call.RequestStream.CompleteAsync();
            await call.ResponseStream.MoveNext(CancellationToken.None);
            return "answered";
        }
        catch (RpcException ex)
        {
            return $"{ex.StatusCode}: {ex.Status.Detail}";
        }
    }

    private static string Tally(IEnumerable<string> outcomes) =>
        string.Join("; ", outcomes.GroupBy(o => o).OrderByDescending(g => g.Count()).Select(g => $"{g.Count()} x {g.Key}"));

    private X509Certificate2 UnregisteredAgencyCertificate(string code)
    {
        using var ca = hub.Callers.PartnershipCaWithKey();
        var now = DateTimeOffset.UtcNow;
        return PartnershipCertificates.IssueClient(ca, CallerIdentity.Agency(code), now.AddMinutes(-5), now.AddDays(1));
    }
}
