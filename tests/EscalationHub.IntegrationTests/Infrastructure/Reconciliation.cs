using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace EscalationHub.IntegrationTests.Infrastructure;

/// <summary>
/// Compares what the clients were told was accepted (<see cref="Workload"/>) with every place it must be, exactly once:
/// the hub's store (concerns and their status changes, disagreements and their events), the ledger (each concern's and
/// each disagreement's entries on its child file), the outbox (every message the hub owes an adapter, sent), each
/// adapter's inbox (every message for it applied, once), the social care system behind its adapter (each referral
/// delivered once) and each adapter's verified replica of the child files (every entry the hub holds for the file).
/// A unit is a concern or a disagreement step. Stored: in the hub's store. Delivered: every message it caused applied by
/// every adapter it concerns, its child file's ledger entries in every replica, and (a concern) decided by social care.
/// Applied once: stored with exactly the expected effects everywhere. Lost: accepted but not stored or not delivered.
/// Duplicated: every effect found more often than once.
/// </summary>
public sealed record Reconciliation(string Label, long Accepted, long Stored, long Delivered, long AppliedOnce, long Lost, long Duplicated,
    IReadOnlyList<string> Problems)
{
    public override string ToString() =>
        $"{Label}: accepted {Accepted}, stored {Stored}, delivered {Delivered}, applied once {AppliedOnce}, lost {Lost}, duplicated {Duplicated}";

    private const string ConcernRaised = "EscalationHub.Contracts.Messages.ConcernRaised";
    private const string ConcernAccepted = "EscalationHub.Contracts.Messages.ConcernAccepted";
    private const string ConcernStatusChanged = "EscalationHub.Contracts.Messages.ConcernStatusChanged";
    private const string DisagreementNotice = "EscalationHub.Contracts.Messages.DisagreementNotice";

    /// <summary>Reconciles until nothing accepted is missing any more, or nothing has moved for <paramref name="patience"/>
    /// (a loaded machine drains a backlog slowly; a stuck one stops moving).</summary>
    public static async Task<Reconciliation> SettleAsync(string label, Workload workload, TestHub hub, TestAdapter socialCare, TestAdapter hospital,
        TimeSpan? patience = null)
    {
        var wait = patience ?? TimeSpan.FromSeconds(45);
        var result = Of(label, workload, hub, socialCare, hospital);
        var (best, movedAt) = (result.Delivered + result.Stored, DateTime.UtcNow);
        while (result.Lost > 0 && DateTime.UtcNow - movedAt < wait)
        {
            await Task.Delay(500);
            result = Of(label, workload, hub, socialCare, hospital);
            if (result.Delivered + result.Stored > best) (best, movedAt) = (result.Delivered + result.Stored, DateTime.UtcNow);
        }
        return result;
    }

    public static Reconciliation Of(string label, Workload workload, TestHub hub, TestAdapter socialCare, TestAdapter hospital)
    {
        var store = HubSnapshot.Read(hub.DatabasePath);
        var adapters = new[] { socialCare, hospital };
        var inboxes = adapters.ToDictionary(a => a.AgencyCode, a => a.InboxMessages().Select(m => m.MessageId).ToHashSet());
        var replicas = adapters.ToDictionary(a => a.AgencyCode, a => a.ReplicaIndexesByFile());
        var referrals = socialCare.SimulatorReceived().Where(r => r.Kind == "concern.raised")
            .Select(r => Guid.Parse(JsonDocument.Parse(r.Body).RootElement.GetProperty("concern").GetProperty("concernId").GetString()!))
            .GroupBy(id => id).ToDictionary(g => g.Key, g => g.Count());
        var problems = new List<string>();
        long accepted = 0, stored = 0, delivered = 0, appliedOnce = 0, lost = 0, duplicated = 0;

        void Problem(string text)
        {
            if (problems.Count < 20) problems.Add(text);
        }

        bool FileReplicated(string childFileId)
        {
            var held = store.LedgerByFile.TryGetValue(childFileId, out var entries) ? entries.Select(e => e.Sequence).ToHashSet() : [];
            var ok = true;
            foreach (var (agency, files) in replicas)
            {
                var replica = files.TryGetValue(childFileId, out var indexes) ? indexes : [];
                if (!held.IsSubsetOf(replica)) { ok = false; Problem($"{agency}'s replica of {childFileId} holds {replica.Count} of the hub's {held.Count} entries"); }
                if (!replica.IsSubsetOf(held)) { ok = false; Problem($"{agency}'s replica of {childFileId} holds entries the hub does not"); }
            }
            return ok;
        }

        bool Applied(string agency, IEnumerable<HubSnapshot.OutboxRow> messages) =>
            messages.All(m => m.Sent && inboxes[agency].Contains(m.MessageId));

        // Which step a message that did not arrive is stuck at, so a stall names its place.
        string Unapplied(string agency, IReadOnlyCollection<HubSnapshot.OutboxRow> messages) =>
            $"{messages.Count(m => !m.Sent)} unsent by the hub, {messages.Count(m => m.Sent && !inboxes[agency].Contains(m.MessageId))} sent but not in {agency}'s inbox";

        foreach (var concern in workload.Concerns)
        {
            accepted++;
            var rows = store.ConcernsByKey.TryGetValue(concern.IdempotencyKey, out var found) ? found : [];
            if (rows.Count == 0) { lost++; Problem($"concern {concern.IdempotencyKey} is not in the hub's store"); continue; }
            stored++;
            duplicated += rows.Count - 1;
            var changes = store.StatusChanges.GetValueOrDefault(concern.ConcernId);
            var entries = store.LedgerByCase.GetValueOrDefault(concern.ConcernId.ToString());
            var raised = store.Outbox.GetValueOrDefault((ConcernRaised, concern.ConcernId.ToString()), []);
            // The raiser (over gRPC: its answer was the call's response) is told once: the social care system acknowledges
            // and decides in one reply, which is one notice, DECIDED with the acknowledgement's time.
            var feedback = store.Outbox.GetValueOrDefault((ConcernAccepted, concern.ConcernId.ToString()), [])
                .Concat(store.Outbox.GetValueOrDefault((ConcernStatusChanged, concern.ConcernId.ToString()), [])).ToList();
            var received = referrals.GetValueOrDefault(concern.ConcernId);
            duplicated += Math.Max(0, changes - 3) + Math.Max(0, entries - 3) + Math.Max(0, raised.Count - 1) + Math.Max(0, feedback.Count - 1)
                          + Math.Max(0, received - 1);

            var isDelivered = rows[0].Status == "Decided" && received >= 1
                              && Applied("leics-socialcare", raised) && raised.Count >= 1
                              && Applied("uhl-health", feedback) && feedback.Count >= 1
                              && FileReplicated(concern.ChildFileId);
            if (isDelivered) delivered++;
            else
            {
                lost++;
                Problem($"concern {concern.ConcernId}: status {rows[0].Status}, referral received {received}x, {raised.Count} ConcernRaised "
                        + $"({Unapplied("leics-socialcare", raised)}), {feedback.Count} messages to the raiser ({Unapplied("uhl-health", feedback)})");
            }
            if (rows.Count == 1 && changes == 3 && entries == 3 && raised.Count == 1 && feedback.Count == 1 && received == 1) appliedOnce++;
        }

        foreach (var run in workload.Disagreements)
        {
            var expected = run.ExpectedEvents;
            var events = store.EventsByDisagreement.GetValueOrDefault(run.Id, []);
            var entries = store.LedgerByCase.GetValueOrDefault(run.Id);
            var notices = store.Outbox.GetValueOrDefault((DisagreementNotice, run.Id.ToLowerInvariant()), []);
            var extraEvents = Math.Max(0, events.Count - expected.Count);
            var extraNotices = notices.GroupBy(n => (n.Destination, n.Sequence)).Sum(g => g.Count() - 1);
            duplicated += extraEvents + Math.Max(0, entries - events.Count) + extraNotices;
            if (extraEvents > 0) Problem($"disagreement {run.Id}: events [{string.Join(", ", events)}], expected [{string.Join(", ", expected)}]");
            var fileReplicated = FileReplicated(run.ChildFileId);

            var end = 0;
            foreach (var step in run.Steps)
            {
                accepted++;
                var start = end;
                end += step.Events.Count;
                var isStored = events.Count >= end && events.Take(end).SequenceEqual(expected.Take(end));
                if (!isStored) { lost++; Problem($"disagreement {run.Id}: step {step.Name} not stored: events [{string.Join(", ", events)}]"); continue; }
                stored++;
                var stepNotices = notices.Where(n => n.Sequence > start && n.Sequence <= end).ToList();
                var isDelivered = fileReplicated && entries >= end
                                  && stepNotices.Count >= 2 * step.Events.Count // both parties told of every event
                                  && Applied("uhl-health", stepNotices.Where(n => n.Destination == "agency.uhl-health"))
                                  && Applied("leics-socialcare", stepNotices.Where(n => n.Destination == "agency.leics-socialcare"));
                if (isDelivered) delivered++;
                else { lost++; Problem($"disagreement {run.Id}: step {step.Name}: {stepNotices.Count} notices, {entries} ledger entries"); }
                if (extraEvents == 0 && entries == events.Count && stepNotices.Count == 2 * step.Events.Count) appliedOnce++;
            }
        }

        // Every message the hub owes a running adapter is sent and applied there, and nothing else is.
        foreach (var (agency, inbox) in inboxes)
        {
            var owed = store.OutboxTo.GetValueOrDefault($"agency.{agency}", []);
            var missing = owed.Count(m => !inbox.Contains(m.MessageId));
            if (missing > 0) Problem($"{agency}: {missing} of the {owed.Count} messages the hub owes it are not in its inbox");
            var unknown = inbox.Except(owed.Select(m => m.MessageId)).Count();
            if (unknown > 0) Problem($"{agency}: {unknown} messages in its inbox were never sent by the hub");
        }
        return new Reconciliation(label, accepted, stored, delivered, appliedOnce, lost, duplicated, problems);
    }

    /// <summary>The hub's store, read once per reconciliation (read-only; the hub may be running).</summary>
    private sealed class HubSnapshot
    {
        public sealed record ConcernRow(Guid Id, string Status);
        public sealed record LedgerRow(long Sequence, string? CaseId);
        public sealed record OutboxRow(Guid MessageId, string Destination, string Type, bool Sent, string Subject, int Sequence);

        public Dictionary<string, List<ConcernRow>> ConcernsByKey { get; } = [];
        public Dictionary<Guid, int> StatusChanges { get; } = [];
        public Dictionary<string, List<LedgerRow>> LedgerByFile { get; } = [];
        public Dictionary<string, int> LedgerByCase { get; } = new(StringComparer.OrdinalIgnoreCase);
        public Dictionary<string, List<string>> EventsByDisagreement { get; } = [];
        /// <summary>Messages by (type, concern or disagreement id).</summary>
        public Dictionary<(string Type, string Subject), List<OutboxRow>> Outbox { get; } = [];
        public Dictionary<string, List<OutboxRow>> OutboxTo { get; } = [];

        public static HubSnapshot Read(string path)
        {
            var snapshot = new HubSnapshot();
            using var connection = new SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
            connection.Open();
            using var transaction = connection.BeginTransaction(); // one consistent view of the WAL
            foreach (var r in Rows(connection, "SELECT IdempotencyKey, Id, Status FROM Concerns WHERE RaisedByAgency = 'uhl-health'"))
                snapshot.ConcernsByKey.AddTo(r.GetString(0), new ConcernRow(Guid.Parse(r.GetString(1)), r.GetString(2)));
            foreach (var r in Rows(connection, "SELECT ConcernId, COUNT(*) FROM ConcernStatusChanges GROUP BY ConcernId"))
                snapshot.StatusChanges[Guid.Parse(r.GetString(0))] = r.GetInt32(1);
            foreach (var r in Rows(connection, "SELECT ChildFileId, Sequence, CaseId FROM LedgerEntries"))
            {
                var caseId = r.IsDBNull(2) ? null : r.GetString(2);
                snapshot.LedgerByFile.AddTo(r.GetString(0), new LedgerRow(r.GetInt64(1), caseId));
                if (caseId is not null) snapshot.LedgerByCase[caseId] = snapshot.LedgerByCase.GetValueOrDefault(caseId) + 1;
            }
            foreach (var r in Rows(connection, "SELECT DisagreementId, Type FROM DisagreementEvents ORDER BY DisagreementId, Sequence"))
                snapshot.EventsByDisagreement.AddTo(r.GetString(0), r.GetString(1));
            foreach (var r in Rows(connection, "SELECT MessageId, Destination, MessageType, SentAt IS NOT NULL, Body FROM Outbox WHERE Destination LIKE 'agency.%'"))
            {
                var type = r.GetString(2);
                using var body = JsonDocument.Parse(r.GetString(4));
                var root = body.RootElement;
                var subject = root.TryGetProperty("concernId", out var c) ? c.GetString()! : root.TryGetProperty("disagreementId", out var d) ? d.GetString() ?? "" : "";
                var sequence = root.TryGetProperty("sequence", out var s) && s.ValueKind == JsonValueKind.Number ? s.GetInt32() : 0;
                var row = new OutboxRow(Guid.Parse(r.GetString(0)), r.GetString(1), type, r.GetInt64(3) == 1, subject.ToLowerInvariant(), sequence);
                snapshot.Outbox.AddTo((type, row.Subject), row);
                snapshot.OutboxTo.AddTo(row.Destination, row);
            }
            return snapshot;
        }

        private static IEnumerable<SqliteDataReader> Rows(SqliteConnection connection, string sql)
        {
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            using var reader = command.ExecuteReader();
            while (reader.Read()) yield return reader;
        }
    }
}

internal static class DictionaryExtensions
{
    public static void AddTo<TKey, TValue>(this Dictionary<TKey, List<TValue>> lists, TKey key, TValue value) where TKey : notnull
    {
        if (!lists.TryGetValue(key, out var list)) lists[key] = list = [];
        list.Add(value);
    }
}
