using EscalationHub.Adapters.Runtime;
using EscalationHub.Contracts.Messages;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Microsoft.Data.Sqlite;
using FhirTask = Hl7.Fhir.Model.Task;

namespace EscalationHub.Adapters.Health.Epr;

/// <summary>Tells the hospital's EPR about the disagreements the hospital is party to, in FHIR R4:
/// <list type="bullet">
/// <item>each event (DisagreementNotice) as the whole current state of one Task per disagreement, written with
/// PUT {EPR base}/Task/{id}: identifier = the hub's DG- reference (<see cref="DisagreementSystem"/>) and, when the
/// hospital raised it, the id it raised it with (<see cref="CommandSystem"/>); status in-progress while open,
/// completed once resolved or closed; businessStatus = the stage ("Stage 2: Line managers"); priority urgent when the
/// stage is due at once; restriction.period.end = the stage deadline; owner = the role the hospital is expected to send;
/// output = the latest event (type, description, sequence) and who must be informed; authoredOn = the time of the first
/// event sent for it, kept in every update. A notice older than one already
/// sent is skipped (the bus does not promise order), so the EPR never goes back in time;</item>
/// <item>a stage deadline that is near, and a command of the hospital's that the hub refused, as a Communication
/// (POST {EPR base}/Communication) about that Task, with the reason in payload.</item>
/// </list>
/// Task.id is derived from the DG- reference, so every update of one disagreement replaces the same Task.</summary>
public sealed class EprDisagreementFeedback(string databasePath, TimeProvider clock) : IDisagreementFeedback
{
    public const string DisagreementSystem = "https://escalationhub.example/Id/disagreement";
    public const string CommandSystem = "urn:escalationhub:agency-command-id";
    public const string EventSystem = "https://escalationhub.example/CodeSystem/disagreement-event";

    private static readonly BaseFhirJsonSerializer Serializer = new(ModelInfo.ModelInspector);
    private readonly SemaphoreSlim oneAtATime = new(1, 1);
    private readonly string connectionString = Initialise(databasePath);

    public static string TaskId(string disagreementId) => DeterministicId.For(Guid.Empty, $"disagreement/{disagreementId}").ToString();

    public async System.Threading.Tasks.Task ForwardAsync(AgencyAdapter adapter, Guid cause, object notice, string? commandId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        switch (notice)
        {
            case DisagreementNotice n:
                // Checking "is this newer?" and queueing the update must be one step (notices are consumed concurrently).
                await oneAtATime.WaitAsync(cancellationToken);
                try
                {
                    if (!await AdvanceAsync(n.DisagreementId, n.Sequence, n.At, cancellationToken)) return;
                    var task = Task(n, commandId, now);
                    // PUT replaces the Task: its authoredOn (the first event sent for it) is carried into every update.
                    task.AuthoredOnElement = new FhirDateTime(await AuthoredOnAsync(n.DisagreementId, cancellationToken) ?? n.At);
                    await adapter.Outbox.AddAsync(DeterministicId.For(cause, "epr-disagreement-task"), $"disagreement-task.{n.EventType}", null,
                        "PUT", $"Task/{task.Id}", Serializer.SerializeToString(task), now, cancellationToken);
                }
                finally
                {
                    oneAtATime.Release();
                }
                break;
            case DeadlineApproaching d:
                await SendAsync(adapter, cause, "deadline-approaching", d.DisagreementId, null,
                    $"Disagreement {d.DisagreementId} stage {d.Stage} ({d.StageName}) is due {d.DeadlineAt:yyyy-MM-dd HH:mm}Z ({d.DeadlineRule})" +
                    (d.ExpectedRole is { } role ? $"; expected from the hospital: {role}" : ""), now, cancellationToken);
                break;
            case DisagreementCommandRefused r:
                await SendAsync(adapter, cause, "command-refused", r.DisagreementId, commandId,
                    $"{r.Command}{(commandId is null ? "" : $" {commandId}")} was refused by EscalationHub and changed nothing: {r.Reason}", now, cancellationToken);
                break;
            default:
                throw new ArgumentException($"not a disagreement notice: {notice.GetType().Name}", nameof(notice));
        }
    }

    private static FhirTask Task(DisagreementNotice n, string? commandId, DateTimeOffset now)
    {
        var task = new FhirTask
        {
            Id = TaskId(n.DisagreementId),
            Identifier = [new Identifier(DisagreementSystem, n.DisagreementId)],
            Status = n.Status == "Open" ? FhirTask.TaskStatus.InProgress : FhirTask.TaskStatus.Completed,
            Intent = FhirTask.TaskIntent.Order,
            Priority = n.Urgent ? RequestPriority.Urgent : RequestPriority.Routine,
            Code = new CodeableConcept { Text = "Professional disagreement (resolution of professional differences)" },
            Description = $"Disagreement {n.DisagreementId} raised by {n.RaisedByAgencyCode}: {n.Status}",
            BusinessStatus = new CodeableConcept { Text = $"Stage {n.Stage}: {n.StageName}" },
            LastModifiedElement = new FhirDateTime(now),
        };
        if (commandId is not null) task.Identifier.Add(new Identifier(CommandSystem, commandId));
        if (n.ExpectedRole is { } role) task.Owner = new ResourceReference { Display = $"{role} (expected from this agency at stage {n.Stage})" };
        if (n.DeadlineAt is { } due)
            task.Restriction = new FhirTask.RestrictionComponent { Period = new Period { EndElement = new FhirDateTime(due) } };
        task.Output.Add(Output("event", new CodeableConcept(EventSystem, n.EventType, n.EventType)));
        task.Output.Add(Output("description", new FhirString(n.Description)));
        task.Output.Add(Output("sequence", new Integer(n.Sequence)));
        task.Output.Add(Output("event-at", new FhirDateTime(n.At)));
        if (n.DeadlineRule is { } rule) task.Output.Add(Output("deadline-rule", new FhirString(rule)));
        foreach (var who in n.MustInform) task.Output.Add(Output("must-inform", new FhirString(who)));
        return task;
    }

    private static FhirTask.OutputComponent Output(string type, DataType value) =>
        new() { Type = new CodeableConcept { Text = type }, Value = value };

    private static async System.Threading.Tasks.Task SendAsync(AgencyAdapter adapter, Guid cause, string category, string? disagreementId, string? commandId,
        string text, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var communication = new Communication
        {
            Id = DeterministicId.For(cause, "epr-communication").ToString(),
            Status = EventStatus.Completed,
            Category = [new CodeableConcept(EventSystem, category, category)],
            Priority = category == "command-refused" ? RequestPriority.Urgent : RequestPriority.Routine,
            SentElement = new FhirDateTime(now),
            Payload = [new Communication.PayloadComponent { Content = new FhirString(text) }],
        };
        if (disagreementId is not null)
            communication.About.Add(new ResourceReference($"Task/{TaskId(disagreementId)}") { Identifier = new Identifier(DisagreementSystem, disagreementId) });
        if (commandId is not null)
            communication.About.Add(new ResourceReference { Type = "Task", Identifier = new Identifier(CommandSystem, commandId) });
        await adapter.Outbox.AddAsync(DeterministicId.For(cause, "epr-communication"), $"communication.{category}", null, "POST", "Communication",
            Serializer.SerializeToString(communication), now, cancellationToken);
    }

    /// <summary>Records that the notice with this sequence is owed (false when a newer one already was); the first
    /// notice's time becomes the Task's authoredOn, kept ever after.</summary>
    private async Task<bool> AdvanceAsync(string disagreementId, int sequence, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var connection = AdapterDatabase.Open(connectionString);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO disagreement_tasks (disagreement_id, last_sequence, authored_on) VALUES ($id, $sequence, $at)
            ON CONFLICT (disagreement_id) DO UPDATE SET last_sequence = excluded.last_sequence,
                authored_on = COALESCE(disagreement_tasks.authored_on, excluded.authored_on)
            WHERE excluded.last_sequence > disagreement_tasks.last_sequence;
            """;
        command.Parameters.AddWithValue("$id", disagreementId);
        command.Parameters.AddWithValue("$sequence", sequence);
        command.Parameters.AddWithValue("$at", at.ToUniversalTime().ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    private async Task<DateTimeOffset?> AuthoredOnAsync(string disagreementId, CancellationToken cancellationToken)
    {
        await using var connection = AdapterDatabase.Open(connectionString);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT authored_on FROM disagreement_tasks WHERE disagreement_id = $id";
        command.Parameters.AddWithValue("$id", disagreementId);
        return await command.ExecuteScalarAsync(cancellationToken) is string text
            ? DateTimeOffset.Parse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.RoundtripKind)
            : null;
    }

    private static string Initialise(string databasePath)
    {
        var connectionString = AdapterDatabase.ConnectionString(databasePath);
        using var connection = AdapterDatabase.Open(connectionString);
        using var command = connection.CreateCommand();
        command.CommandText = "CREATE TABLE IF NOT EXISTS disagreement_tasks (disagreement_id TEXT PRIMARY KEY, last_sequence INTEGER NOT NULL, authored_on TEXT NULL)";
        command.ExecuteNonQuery();
        // A file made before authoredOn was kept: add its column.
        SqliteColumns.AddIfMissing(connection, "disagreement_tasks", "authored_on", "TEXT NULL");
        return connectionString;
    }
}
