namespace EscalationHub.Server.Security;

/// <summary>
/// What a refused call's client is still sending, read and thrown away (never parsed) before the refusal is answered.
/// A client that streams its request (ServerReflection, any client or duplex stream) may still be writing when the
/// hub refuses it; answering first makes Kestrel reset the stream, and about one such client in twenty then saw its
/// write fail as CANCELLED instead of reading the refusal. Waiting until the request side ends (or a second, or
/// 64 KiB, for a client that keeps its side open while it waits for an answer) lets every write land first.
/// </summary>
public static class RefusedRequestBody
{
    private static readonly TimeSpan Longest = TimeSpan.FromSeconds(1);
    private const long Most = 64 * 1024;

    public static async Task DrainAsync(HttpContext http)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
        wait.CancelAfter(Longest);
        var reader = http.Request.BodyReader;
        long read = 0;
        try
        {
            while (read < Most)
            {
                var result = await reader.ReadAsync(wait.Token);
                read += result.Buffer.Length;
                reader.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted || result.IsCanceled) return;
            }
        }
        catch (OperationCanceledException)
        {
            // Still open after a second (a client waiting for an answer) or gone: answer now.
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException)
        {
            // The client reset its side: nothing left to wait for.
        }
    }
}
