using Grpc.Core;

namespace EscalationHub.IntegrationTests.Infrastructure;

/// <summary>Sends bytes as they are to a hub method, as an attacker's client would: no serialization on the way out.</summary>
public static class RawCalls
{
    private static readonly Marshaller<byte[]> PassThrough = Marshallers.Create(bytes => bytes, bytes => bytes);

    public static Method<byte[], byte[]> Unary(string service, string method) =>
        new(MethodType.Unary, $"escalationhub.v1.{service}", method, PassThrough, PassThrough);

    /// <summary>Calls and returns the refusal (the call must be refused).</summary>
    public static async Task<RpcException> RefusalAsync(HubClients caller, string service, string method, byte[] body)
    {
        var call = caller.Invoker.AsyncUnaryCall(Unary(service, method), null, new CallOptions(deadline: DateTime.UtcNow.AddSeconds(30)), body);
        return await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);
    }

    /// <summary>What the client received of a refusal, in bytes: its message and every trailer.</summary>
    public static int SizeOf(RpcException error) =>
        System.Text.Encoding.UTF8.GetByteCount(error.Status.Detail)
        + error.Trailers.Sum(t => t.Key.Length + (t.IsBinary ? t.ValueBytes.Length : System.Text.Encoding.UTF8.GetByteCount(t.Value)));
}
