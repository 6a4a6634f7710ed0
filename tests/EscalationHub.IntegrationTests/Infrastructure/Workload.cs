using System.Collections.Concurrent;
using System.Diagnostics;
using EscalationHub.Contracts.V1;
using Grpc.Core;
using M = EscalationHub.Contracts.Messages;

namespace EscalationHub.IntegrationTests.Infrastructure;

/// <summary>Clients of the hub as careful agencies behave: the hospital raises concerns about children over gRPC and
/// opens disagreements about them (both idempotent by key, so a call whose answer was lost is retried with the same
/// key), then the parties move each disagreement on: the escalation over gRPC with a request id (retried with the same
/// id), the records and the resolution with bus commands, as their adapters do (each command has its own MessageId and
/// is resent with the same id until the broker confirms it). The workload keeps the client-side book:
/// what the hub or the broker said it accepted, and when it was sent, for the reconciliation and the latency figures.
/// Anything sent whose outcome the client never learnt is recorded as in doubt.</summary>
public sealed class Workload(TestHub hub, TestBus bus)
{
    /// <summary>The Berkshire procedure: stage 1 (practitioners, then line managers) closes on a record, so a disagreement
    /// walks open -> record -> escalate -> record -> resolve: five steps, seven events. (London's stages now need each
    /// record approved by every party first.)</summary>
    public const string Profile = "berkshire-v17";
    private static readonly TimeSpan GiveUpAfter = TimeSpan.FromSeconds(90);

    private readonly ConcurrentDictionary<string, AcceptedConcern> concerns = new();
    private readonly ConcurrentDictionary<string, DisagreementRun> disagreements = new();
    private readonly ConcurrentQueue<string> inDoubt = new();
    private readonly List<Task> workers = [];
    private CancellationTokenSource stop = new();
    private int retries;

    public IReadOnlyCollection<AcceptedConcern> Concerns => [.. concerns.Values];
    public IReadOnlyCollection<DisagreementRun> Disagreements => [.. disagreements.Values];
    /// <summary>Requests sent whose outcome the client never learnt (should be none).</summary>
    public IReadOnlyCollection<string> InDoubt => [.. inDoubt];
    public int Retries => retries;

    /// <summary>Units the clients were told were accepted: concerns plus disagreement steps.</summary>
    public long AcceptedUnits => concerns.Count + disagreements.Values.Sum(d => d.AcceptedSteps);

    public sealed record AcceptedConcern(string IdempotencyKey, Guid ConcernId, string ChildFileId, DateTimeOffset SentAt, TimeSpan CallTime);

    public sealed record Step(string Name, IReadOnlyList<string> Events, DateTimeOffset SentAt, TimeSpan? CallTime, Guid? MessageId);

    /// <summary>One disagreement as its parties drove it: the steps accepted so far and the events they must have caused.</summary>
    public sealed class DisagreementRun(string id, string childFileId)
    {
        private readonly List<Step> steps = [];
        public string Id { get; } = id;
        public string ChildFileId { get; } = childFileId;
        public bool Finished { get; set; }

        public IReadOnlyList<Step> Steps { get { lock (steps) return [.. steps]; } }
        public int AcceptedSteps { get { lock (steps) return steps.Count; } }
        public IReadOnlyList<string> ExpectedEvents { get { lock (steps) return [.. steps.SelectMany(s => s.Events)]; } }

        public void Accepted(Step step)
        {
            lock (steps) steps.Add(step);
        }
    }

    /// <summary>Closed loop (the fault suite): each worker raises a concern, or walks a disagreement, then pauses.</summary>
    public void Start(int concernWorkers, int disagreementWorkers, TimeSpan pause)
    {
        stop = new CancellationTokenSource();
        var token = stop.Token;
        for (var i = 0; i < concernWorkers; i++)
            workers.Add(Task.Run(() => LoopAsync(() => RaiseConcernAsync(), pause, token)));
        for (var i = 0; i < disagreementWorkers; i++)
            workers.Add(Task.Run(() => LoopAsync(RunDisagreementAsync, pause, token)));
    }

    /// <summary>Stops starting new work and waits for what was started to finish (its outcome must be known).</summary>
    public async Task PauseAsync()
    {
        await stop.CancelAsync();
        await Task.WhenAll(workers);
        workers.Clear();
    }

    private static async Task LoopAsync(Func<Task> work, TimeSpan pause, CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            await work();
            try { await Task.Delay(pause, stopping); } catch (OperationCanceledException) { }
        }
    }

    /// <summary>Raises a concern about a new child (no NHS number: a new child file each time), retrying with the same
    /// idempotency key until the hub answers.</summary>
    public async Task<AcceptedConcern?> RaiseConcernAsync()
    {
        var request = Requests.HospitalReferral();
        request.Child.NhsNumber = "";
        request.Child.GivenName = "Load" + Guid.NewGuid().ToString("N")[..12];
        var sentAt = DateTimeOffset.UtcNow;
        var watch = Stopwatch.StartNew();
        var answer = await CallAsync($"RaiseConcern {request.IdempotencyKey}",
            deadline => hub.Concerns.RaiseConcernAsync(request, deadline: deadline).ResponseAsync);
        if (answer is null) return null;
        var accepted = new AcceptedConcern(request.IdempotencyKey, Guid.Parse(answer.ConcernId), answer.ChildFileId, sentAt, watch.Elapsed);
        concerns[request.IdempotencyKey] = accepted;
        return accepted;
    }

    /// <summary>A concern about a child, then a disagreement about it walked from open to resolved. Each bus step waits
    /// until the hub has applied the previous one (the hub applies its inbound queue concurrently, so order on the wire
    /// is not order of application).</summary>
    public async Task RunDisagreementAsync()
    {
        var concern = await RaiseConcernAsync();
        if (concern is null) return;
        var open = Infrastructure.Disagreements.Open(concern.ChildFileId, profile: Profile);
        var sentAt = DateTimeOffset.UtcNow;
        var watch = Stopwatch.StartNew();
        var opened = await CallAsync($"OpenDisagreement {open.IdempotencyKey}",
            deadline => hub.Escalations.OpenDisagreementAsync(open, deadline: deadline).ResponseAsync);
        if (opened is null) return;
        var run = disagreements.GetOrAdd(opened.DisagreementId, id => new DisagreementRun(id, concern.ChildFileId));
        run.Accepted(new Step("open", ["opened", "stage-entered"], sentAt, watch.Elapsed, null));

        var id = opened.DisagreementId;
        var heldAt = opened.OpenedAt.ToDateTimeOffset();
        M.ActorRef hospital = new("uhl-health", "Named nurse for safeguarding"), socialCare = new("leics-socialcare", "Team manager");
        var script = new (string Name, object Command, string[] Events)[]
        {
            ("record", new M.RecordDiscussion(id, hospital, heldAt, "Professionals discussed the threshold decision.", ["Named nurse", "Social worker"], true), ["record-added"]),
            ("escalate", new M.EscalateDisagreement(id, hospital, "No agreement between the professionals"), ["escalated", "stage-entered"]),
            ("record", new M.RecordDiscussion(id, socialCare, heldAt, "First-line managers met.", ["Named nurse", "Team manager"], true), ["record-added"]),
            ("resolve", new M.ResolveDisagreement(id, socialCare, "Strategy discussion agreed.",
                [new M.AgreedActionItem("leics-socialcare: team manager", "Strategy discussion", DateTimeOffset.UtcNow.AddDays(1))]), ["resolved"]),
        };
        foreach (var (name, command, events) in script)
        {
            var stepSentAt = DateTimeOffset.UtcNow;
            if (command is M.EscalateDisagreement escalate)
            {
                // Over gRPC, retried with the same request id until answered: the hub applies it once.
                var request = new EscalateDisagreementRequest
                {
                    DisagreementId = id, By = new Actor { AgencyCode = escalate.By.AgencyCode, Role = escalate.By.Role }, Reason = escalate.Reason,
                    RequestId = Guid.NewGuid().ToString(),
                };
                var stepWatch = Stopwatch.StartNew();
                if (await CallAsync($"EscalateDisagreement {id} {request.RequestId}",
                        deadline => hub.Escalations.EscalateDisagreementAsync(request, deadline: deadline).ResponseAsync) is null) return;
                run.Accepted(new Step(name, events, stepSentAt, stepWatch.Elapsed, null));
                continue;
            }
            var messageId = Guid.NewGuid();
            if (!await SendUntilConfirmedAsync($"{name} on {id} ({messageId})", command, messageId)) return;
            run.Accepted(new Step(name, events, stepSentAt, null, messageId));
            if (!await WaitUntilAppliedAsync(id, run.ExpectedEvents.Count)) return;
        }
        run.Finished = true;
    }

    /// <summary>Sends a bus command until the broker confirms it, always with the same MessageId.</summary>
    public async Task<bool> SendUntilConfirmedAsync(string what, object command, Guid messageId)
    {
        var giveUp = DateTime.UtcNow + GiveUpAfter;
        while (true)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await (command switch
                {
                    M.RecordDiscussion c => SendAsync(c, messageId, timeout.Token),
                    M.EscalateDisagreement c => SendAsync(c, messageId, timeout.Token),
                    M.ResolveDisagreement c => SendAsync(c, messageId, timeout.Token),
                    M.ApproveDisagreementRecord c => SendAsync(c, messageId, timeout.Token),
                    M.AcknowledgeConcern c => SendAsync(c, messageId, timeout.Token),
                    M.DecideConcern c => SendAsync(c, messageId, timeout.Token),
                    _ => throw new ArgumentException($"no send for {command.GetType().Name}", nameof(command)),
                });
                return true;
            }
            catch (Exception) when (DateTime.UtcNow < giveUp)
            {
                Interlocked.Increment(ref retries);
                await Task.Delay(250);
            }
            catch (Exception ex)
            {
                inDoubt.Enqueue($"{what}: {ex.GetType().Name}: {ex.Message}");
                return false;
            }
        }
    }

    private Task SendAsync<T>(T command, Guid messageId, CancellationToken cancellationToken) where T : class =>
        bus.SendAsync(M.Addresses.HubInbound, command, messageId, cancellationToken);

    /// <summary>Polls the disagreement (as the hospital, a party) until it holds at least <paramref name="events"/> events.</summary>
    private async Task<bool> WaitUntilAppliedAsync(string id, int events)
    {
        var giveUp = DateTime.UtcNow + GiveUpAfter;
        while (DateTime.UtcNow < giveUp)
        {
            try
            {
                var d = await hub.Escalations.GetDisagreementAsync(new GetDisagreementRequest { DisagreementId = id, AgencyCode = "uhl-health" },
                    deadline: DateTime.UtcNow.AddSeconds(5));
                if (d.Version >= events) return true;
            }
            catch (RpcException)
            {
            }
            await Task.Delay(100);
        }
        return false; // the reconciliation reports it
    }

    /// <summary>An idempotent call, retried while the hub is unreachable or slow.</summary>
    private async Task<T?> CallAsync<T>(string what, Func<DateTime, Task<T>> call) where T : class
    {
        var giveUp = DateTime.UtcNow + GiveUpAfter;
        while (true)
        {
            try
            {
                return await call(DateTime.UtcNow.AddSeconds(10));
            }
            catch (RpcException ex) when (ex.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Internal or StatusCode.Unknown
                                          && DateTime.UtcNow < giveUp)
            {
                Interlocked.Increment(ref retries);
                await Task.Delay(200);
            }
            catch (RpcException ex)
            {
                inDoubt.Enqueue($"{what}: {ex.Status}");
                return null;
            }
        }
    }
}
