using System.Diagnostics;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using EscalationHub.Security;
using EscalationHub.Benchmarks.Echo;
using EscalationHub.Contracts.V1;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EscalationHub.Benchmarks;

/// <summary>The raw gRPC baselines: a bare Grpc.AspNetCore server in this process on loopback (HTTP/2), and
/// Grpc.Net.Client callers sending the hub's own RaiseConcernRequest to a unary echo. Two of them: plaintext, the cost
/// of gRPC alone; and over mutual TLS set up as the hub's listener is (its development CA's server certificate, TLS 1.2
/// or 1.3, a client certificate asked for) with the hospital's client certificate on the hub's own client channel
/// (<see cref="HubChannels"/>: the same handler, connection pooling and keep-alive as every caller of the hub; neither
/// side sets HTTP/2 keep-alive pings, so both echo and hub run with Kestrel's and SocketsHttpHandler's defaults).
/// RaiseConcern is compared with the mutual-TLS echo: the hub cannot skip the handshake or the record encryption.</summary>
public static class GrpcEcho
{
    public static Task<double> RunAsync(int callers, TimeSpan duration) => RunAsync(callers, duration, certificates: null);

    /// <param name="certificates">A directory to make (or reuse) the development certificates in, as the hub does.</param>
    public static Task<double> RunMutualTlsAsync(int callers, TimeSpan duration, string certificates) =>
        RunAsync(callers, duration, certificates);

    private static async Task<double> RunAsync(int callers, TimeSpan duration, string? certificates)
    {
        var port = EscalationHub.IntegrationTests.Infrastructure.Ports.Free(EscalationHub.IntegrationTests.Infrastructure.Ports.ServerMin, EscalationHub.IntegrationTests.Infrastructure.Ports.ServerMax);
        X509Certificate2? ca = null, server = null, hospital = null;
        if (certificates is not null)
        {
            // The same generator and files the hub makes for itself: ca, hub (server), agency-<code> (client).
            CertificateDirectory.EnsureDevelopment(certificates, ["uhl-health"], [], DateTimeOffset.UtcNow);
            ca = CertificateFiles.LoadCertificate(CertificateFiles.CertificatePath(certificates, "ca"));
            server = CertificateFiles.LoadWithKey(CertificateFiles.CertificatePath(certificates, "hub"));
            hospital = CertificateFiles.LoadWithKey(CertificateFiles.CertificatePath(certificates, CertificateDirectory.AgencyFileName("uhl-health")));
        }
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.ListenLocalhost(port, o =>
        {
            o.Protocols = HttpProtocols.Http2;
            if (server is not null)
                o.UseHttps(https =>
                {
                    // As TlsRegistration.AddHubTls sets the hub's listeners.
                    https.ServerCertificate = server;
                    https.SslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13;
                    https.ClientCertificateMode = ClientCertificateMode.AllowCertificate;
                    https.ClientCertificateValidation = (_, _, _) => true;
                });
        }));
        builder.Services.AddGrpc();
        await using var app = builder.Build();
        app.MapGrpcService<EchoService>();
        await app.StartAsync();

        using var channel = server is null ? Calls.Channel($"http://localhost:{port}") : HubChannels.Create($"https://127.0.0.1:{port}", hospital, ca!);
        var client = new Echo.Echo.EchoClient(channel);
        var rate = await Calls.SaturateAsync(callers, duration, i => client.EchoAsync(Calls.NewConcern(i)).ResponseAsync);
        Console.WriteLine($"raw gRPC echo{(server is null ? "" : " over mutual TLS")}: {callers} callers for {duration.TotalSeconds:F0} s: {rate:N0} calls/s");
        await app.StopAsync();
        return rate;
    }

    private sealed class EchoService : Echo.Echo.EchoBase
    {
        public override Task<RaiseConcernRequest> Echo(RaiseConcernRequest request, ServerCallContext context) => Task.FromResult(request);
    }
}

/// <summary>What the gRPC benchmarks share: one channel set up the same way for the echo and the hub, closed-loop callers,
/// and RaiseConcern requests with valid NHS numbers (a new child each time).</summary>
public static class Calls
{
    public static Grpc.Net.Client.GrpcChannel Channel(string address) =>
        Grpc.Net.Client.GrpcChannel.ForAddress(address, new Grpc.Net.Client.GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true },
        });

    /// <summary>How long the callers run before anything is counted. A process the JIT has just started spends its first
    /// tens of seconds compiling hot methods again at tier 1: the full run warms up for 30 s (BENCH_WARMUP=N to change), so
    /// the figures are the steady state a hub that runs for days is in, for the baselines and the hub alike.</summary>
    public static TimeSpan WarmUp { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Callers each call, await and call again until the time is up, after the warm-up (and at least as many
    /// completed calls as callers: the pipeline is full); returns completed calls per second.</summary>
    /// <param name="measuring">Called when counting starts (to sample CPU time from then on).</param>
    public static async Task<double> SaturateAsync(int callers, TimeSpan duration, Func<long, Task> call, Action? measuring = null)
    {
        long next = 0, completed = 0, warm = 0;
        var counting = false;
        var stop = false;
        var workers = Enumerable.Range(0, callers).Select(_ => Task.Run(async () =>
        {
            while (!Volatile.Read(ref stop))
            {
                await call(Interlocked.Increment(ref next));
                if (Volatile.Read(ref counting)) Interlocked.Increment(ref completed);
                else Interlocked.Increment(ref warm);
            }
        })).ToList();
        await Task.Delay(WarmUp);
        for (var waited = 0; Interlocked.Read(ref warm) < callers && waited < 1200; waited++) await Task.Delay(100);
        measuring?.Invoke();
        var clock = Stopwatch.StartNew();
        Volatile.Write(ref counting, true);
        await Task.Delay(duration);
        var done = Interlocked.Read(ref completed);
        clock.Stop();
        Volatile.Write(ref stop, true);
        await Task.WhenAll(workers);
        return done / clock.Elapsed.TotalSeconds;
    }

    private static readonly string Run = Guid.NewGuid().ToString("N")[..8];

    public static RaiseConcernRequest NewConcern(long i) => new()
    {
        IdempotencyKey = $"bench-{Run}-{i}",
        Child = new Child
        {
            NhsNumber = NhsNumber(i),
            GivenName = "Amelia",
            FamilyName = "Testchild",
            DateOfBirth = new Date { Year = 2024, Month = 3, Day = 14 },
        },
        RaisedBy = new Actor { AgencyCode = "uhl-health", Role = "Paediatric registrar" },
        AddressedToAgencyCode = "leics-socialcare",
        Category = ConcernCategory.PhysicalAbuse,
        HarmLevel = HarmLevel.SignificantHarm,
        Details = "Bruising to both upper arms noticed at the fracture clinic; explanation inconsistent with the injury.",
    };

    private static long nhsBase = Random.Shared.NextInt64(100_000_000, 800_000_000);

    /// <summary>A 10-digit number that passes the modulus 11 check (nine digits, then the check digit; 10 is skipped).</summary>
    private static string NhsNumber(long i)
    {
        for (var n = (nhsBase + i * 7) % 1_000_000_000; ; n = (n + 1) % 1_000_000_000)
        {
            var digits = n.ToString("D9");
            var sum = 0;
            for (var d = 0; d < 9; d++) sum += (digits[d] - '0') * (10 - d);
            var check = 11 - sum % 11;
            if (check == 11) check = 0;
            if (check == 10) continue;
            return digits + check;
        }
    }
}
