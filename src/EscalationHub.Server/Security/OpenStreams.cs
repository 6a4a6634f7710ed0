using System.Security.Cryptography.X509Certificates;
using EscalationHub.Security;
using EscalationHub.Server.Operations;
using Grpc.Core;

namespace EscalationHub.Server.Security;

/// <summary>Settings (section Limits) of the streams (watches) a caller may hold open.</summary>
public sealed class StreamLimitSettings
{
    public const string Section = "Limits";

    /// <summary>Streams one certificate identity (an agency, an operator: however many certificates it has) may hold
    /// open at once (default 16; 0 turns the cap off).</summary>
    public int StreamsPerCaller { get; set; } = 16;
    /// <summary>Streams callers without a certificate (health Watch) may hold open at once, all together (default 32;
    /// 0 turns the cap off).</summary>
    public int AnonymousStreams { get; set; } = 32;
}

/// <summary>
/// The hub's open server streams. Each takes a slot of its caller's identity (or of the anonymous pool) for as long as
/// it is open, refused with RESOURCE_EXHAUSTED beyond the cap; and a stream held with a certificate stays subject to
/// that certificate: it is checked again (revocation list, expiry) before every message written and twice a second
/// while idle (<see cref="RevocationMonitor"/>), and a refusal ends the stream with UNAUTHENTICATED.
/// </summary>
public sealed class OpenStreams(StreamLimitSettings settings, ClientCertificateValidator validator, ILogger<OpenStreams> logger)
{
    private readonly object gate = new();
    private readonly Dictionary<string, int> perCaller = new(StringComparer.Ordinal);
    private readonly HashSet<GuardedStream> guarded = [];
    private int anonymous;

    /// <summary>Takes a slot for the call (or throws RESOURCE_EXHAUSTED); dispose the result when the stream ends.</summary>
    public GuardedStream Open(ServerCallContext context, CallerIdentity? caller)
    {
        lock (gate)
        {
            if (caller is null)
            {
                if (settings.AnonymousStreams > 0 && anonymous >= settings.AnonymousStreams)
                    throw Exhausted(context, $"stream limit: {settings.AnonymousStreams} streams without a client certificate are open on this hub " +
                                             "(Limits:AnonymousStreams); use Check, or retry later");
                anonymous++;
            }
            else
            {
                var open = perCaller.GetValueOrDefault(caller.Uri);
                if (settings.StreamsPerCaller > 0 && open >= settings.StreamsPerCaller)
                    throw Exhausted(context, $"stream limit: {caller} has {open} streams open, the most one identity may hold " +
                                             $"({settings.StreamsPerCaller}, Limits:StreamsPerCaller); close one first");
                perCaller[caller.Uri] = open + 1;
            }
        }
        var certificate = caller is null ? null : context.GetHttpContext().Connection.ClientCertificate;
        var stream = new GuardedStream(this, context, caller, certificate);
        if (certificate is not null)
            lock (gate) guarded.Add(stream);
        HubTelemetry.StreamsOpen.Add(1, Kind(caller));
        return stream;
    }

    /// <summary>Checks the certificate of every open stream again; ends those it no longer admits.</summary>
    public void CheckAll()
    {
        GuardedStream[] streams;
        lock (gate) streams = [.. guarded];
        foreach (var stream in streams) stream.Check();
    }

    internal CertificateCheck Check(X509Certificate2 certificate) => validator.Check(certificate);

    internal void Ended(GuardedStream stream, string refusal) =>
        logger.LogWarning("Ended a {Method} stream of {Caller}: client certificate refused: {Refusal}", stream.Method, stream.Caller, refusal);

    internal void Close(GuardedStream stream)
    {
        lock (gate)
        {
            guarded.Remove(stream);
            if (stream.Caller is null) anonymous--;
            else if (perCaller[stream.Caller.Uri] == 1) perCaller.Remove(stream.Caller.Uri);
            else perCaller[stream.Caller.Uri]--;
        }
        HubTelemetry.StreamsOpen.Add(-1, Kind(stream.Caller));
    }

    private static KeyValuePair<string, object?> Kind(CallerIdentity? caller) =>
        new("caller.role", caller is null ? "anonymous" : caller.Role == CallerRole.Agency ? "agency" : "operator");

    private RpcException Exhausted(ServerCallContext context, string message)
    {
        logger.LogInformation("Refused {Method} (ResourceExhausted): {Message}", context.Method, message);
        HubTelemetry.StreamsRefused.Add(1);
        return new RpcException(new Status(StatusCode.ResourceExhausted, message));
    }
}

/// <summary>One open server stream: the caller's slot, and the certificate it was opened with, checked again before
/// each message. The service sees <see cref="Context"/>, whose cancellation also trips when the certificate is
/// refused, so a watch waiting for a change ends at once.</summary>
public sealed class GuardedStream : IDisposable
{
    private readonly OpenStreams owner;
    private readonly X509Certificate2? certificate;
    private readonly CancellationTokenSource ended;
    private volatile string? refusal;
    private int disposed;

    internal GuardedStream(OpenStreams owner, ServerCallContext context, CallerIdentity? caller, X509Certificate2? certificate)
    {
        this.owner = owner;
        this.certificate = certificate;
        Caller = caller;
        Method = context.Method;
        ended = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
        // GetHttpContext() on a context that is not grpc-dotnet's own looks it up in UserState under this key.
        context.UserState["__HttpContext"] = context.GetHttpContext();
        Context = new StreamCallContext(context, ended.Token);
    }

    public CallerIdentity? Caller { get; }
    public string Method { get; }
    public ServerCallContext Context { get; }

    /// <summary>False (and the stream's cancellation tripped) once the certificate is refused.</summary>
    public bool Check()
    {
        if (refusal is not null) return false;
        if (certificate is null) return true;
        var check = owner.Check(certificate);
        if (check.Identity is not null) return true;
        if (Interlocked.CompareExchange(ref refusal, check.Refusal ?? "refused", null) is null)
        {
            owner.Ended(this, refusal!);
            try { ended.Cancel(); }
            catch (ObjectDisposedException) { } // the stream ended meanwhile
        }
        return false;
    }

    public IServerStreamWriter<T> Writer<T>(IServerStreamWriter<T> inner) => new GuardedWriter<T>(this, inner);

    /// <summary>Runs the service; once the certificate has been refused, however the service ended, the call ends
    /// UNAUTHENTICATED.</summary>
    public async Task RunAsync(Func<ServerCallContext, Task> service)
    {
        try
        {
            await service(Context);
        }
        catch (Exception) when (refusal is not null)
        {
            throw Refused();
        }
        if (refusal is not null) throw Refused();
    }

    internal RpcException Refused() => new(new Status(StatusCode.Unauthenticated, $"client certificate refused: {refusal}"));

    public void Dispose()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0) return;
        owner.Close(this);
        ended.Dispose();
    }

    private sealed class GuardedWriter<T>(GuardedStream stream, IServerStreamWriter<T> inner) : IServerStreamWriter<T>
    {
        public WriteOptions? WriteOptions
        {
            get => inner.WriteOptions;
            set => inner.WriteOptions = value;
        }

        public Task WriteAsync(T message) => WriteAsync(message, CancellationToken.None);

        public Task WriteAsync(T message, CancellationToken cancellationToken) =>
            stream.Check() ? inner.WriteAsync(message, cancellationToken) : Task.FromException(stream.Refused());
    }

    /// <summary>The call's context as it is, but for a cancellation that also trips when the certificate is refused.</summary>
    private sealed class StreamCallContext(ServerCallContext inner, CancellationToken cancellationToken) : ServerCallContext
    {
        protected override string MethodCore => inner.Method;
        protected override string HostCore => inner.Host;
        protected override string PeerCore => inner.Peer;
        protected override DateTime DeadlineCore => inner.Deadline;
        protected override Metadata RequestHeadersCore => inner.RequestHeaders;
        protected override CancellationToken CancellationTokenCore => cancellationToken;
        protected override Metadata ResponseTrailersCore => inner.ResponseTrailers;
        protected override Status StatusCore
        {
            get => inner.Status;
            set => inner.Status = value;
        }
        protected override WriteOptions? WriteOptionsCore
        {
            get => inner.WriteOptions;
            set => inner.WriteOptions = value;
        }
        protected override AuthContext AuthContextCore => inner.AuthContext;
        protected override IDictionary<object, object> UserStateCore => inner.UserState;

        protected override ContextPropagationToken CreatePropagationTokenCore(ContextPropagationOptions? options) =>
            inner.CreatePropagationToken(options);

        protected override Task WriteResponseHeadersAsyncCore(Metadata responseHeaders) => inner.WriteResponseHeadersAsync(responseHeaders);
    }
}

/// <summary>Keeps the revocation list fresh without waiting for a call: twice a second it re-reads the list if it
/// changed (at most once a second), logs once when it goes missing or unreadable and once when it is back, and checks
/// every open stream's certificate again, so an idle watch of a revoked certificate ends within about a second.</summary>
public sealed class RevocationMonitor(HubCertificates certificates, OpenStreams streams, ILogger<RevocationMonitor> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(500);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var revocations = certificates.Revocations;
        revocations.AvailabilityChanged += Report;
        try
        {
            using var timer = new PeriodicTimer(Interval);
            do
            {
                try
                {
                    revocations.Refresh();
                    streams.CheckAll();
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    logger.LogError(ex, "Checking the revocation list and open streams failed; trying again");
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            revocations.AvailabilityChanged -= Report;
        }
    }

    private void Report(string? problem)
    {
        if (problem is not null)
            logger.LogError("{Problem}: every client certificate is refused (UNAUTHENTICATED \"revocation list unavailable\") until it is back", problem);
        else
            logger.LogWarning("The revocation list {Path} is readable again: client certificates are accepted again", certificates.Revocations.Path);
    }
}
