using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace EscalationHub.Server.Store.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class InitialPostgres : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "AdapterStatuses",
                columns: table => new
                {
                    AgencyCode = table.Column<string>(type: "text", nullable: false),
                    Version = table.Column<string>(type: "text", nullable: false),
                    LastHeartbeatAt = table.Column<long>(type: "bigint", nullable: false),
                    Interval = table.Column<TimeSpan>(type: "interval", nullable: false),
                    LastAcknowledgementAt = table.Column<long>(type: "bigint", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_AdapterStatuses", x => x.AgencyCode);
                });

            migrationBuilder.CreateTable(
                name: "AgencyKeys",
                columns: table => new
                {
                    AgencyCode = table.Column<string>(type: "text", nullable: false),
                    KeyId = table.Column<string>(type: "text", nullable: false),
                    PublicKey = table.Column<byte[]>(type: "bytea", nullable: false),
                    RegisteredAt = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_AgencyKeys", x => new { x.AgencyCode, x.KeyId });
                });

            migrationBuilder.CreateTable(
                name: "ChildFiles",
                columns: table => new
                {
                    Id = table.Column<string>(type: "text", nullable: false),
                    NhsNumber = table.Column<string>(type: "text", nullable: true),
                    GivenName = table.Column<string>(type: "text", nullable: false),
                    FamilyName = table.Column<string>(type: "text", nullable: false),
                    DateOfBirth = table.Column<DateOnly>(type: "date", nullable: false),
                    CreatedAt = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ChildFiles", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "ConcernStatusChanges",
                columns: table => new
                {
                    ConcernId = table.Column<Guid>(type: "uuid", nullable: false),
                    Sequence = table.Column<int>(type: "integer", nullable: false),
                    Status = table.Column<string>(type: "text", nullable: false),
                    At = table.Column<long>(type: "bigint", nullable: false),
                    ByAgency = table.Column<string>(type: "text", nullable: false),
                    ByRole = table.Column<string>(type: "text", nullable: false),
                    Decision = table.Column<string>(type: "text", nullable: true),
                    Reason = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ConcernStatusChanges", x => new { x.ConcernId, x.Sequence });
                });

            migrationBuilder.CreateTable(
                name: "Concerns",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    Reference = table.Column<string>(type: "text", nullable: false),
                    ChildFileId = table.Column<string>(type: "text", nullable: false),
                    RaisedByAgency = table.Column<string>(type: "text", nullable: false),
                    RaisedByRole = table.Column<string>(type: "text", nullable: false),
                    IdempotencyKey = table.Column<string>(type: "text", nullable: false),
                    RequestHash = table.Column<string>(type: "text", nullable: false),
                    AddressedToAgency = table.Column<string>(type: "text", nullable: false),
                    Category = table.Column<string>(type: "text", nullable: false),
                    HarmLevel = table.Column<string>(type: "text", nullable: false),
                    Details = table.Column<string>(type: "text", nullable: false),
                    RaisedAt = table.Column<long>(type: "bigint", nullable: false),
                    DecisionDueAt = table.Column<long>(type: "bigint", nullable: true),
                    Status = table.Column<string>(type: "text", nullable: false),
                    AcknowledgedAt = table.Column<long>(type: "bigint", nullable: true),
                    AcknowledgedByRole = table.Column<string>(type: "text", nullable: true),
                    Decision = table.Column<string>(type: "text", nullable: true),
                    DecisionReason = table.Column<string>(type: "text", nullable: true),
                    DecidedAt = table.Column<long>(type: "bigint", nullable: true),
                    DecidedByRole = table.Column<string>(type: "text", nullable: true),
                    LastSequence = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Concerns", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "DeadLetters",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    MessageId = table.Column<Guid>(type: "uuid", nullable: false),
                    MessageType = table.Column<string>(type: "text", nullable: false),
                    Queue = table.Column<string>(type: "text", nullable: false),
                    ErrorQueue = table.Column<string>(type: "text", nullable: false),
                    Reason = table.Column<string>(type: "text", nullable: false),
                    ExceptionType = table.Column<string>(type: "text", nullable: false),
                    FailedAt = table.Column<long>(type: "bigint", nullable: false),
                    Envelope = table.Column<string>(type: "text", nullable: false),
                    CaseReference = table.Column<string>(type: "text", nullable: true),
                    RedrivenAt = table.Column<long>(type: "bigint", nullable: true),
                    Redrives = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_DeadLetters", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "DisagreementChildFiles",
                columns: table => new
                {
                    DisagreementId = table.Column<string>(type: "text", nullable: false),
                    ChildFileId = table.Column<string>(type: "text", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_DisagreementChildFiles", x => new { x.ChildFileId, x.DisagreementId });
                });

            migrationBuilder.CreateTable(
                name: "DisagreementEvents",
                columns: table => new
                {
                    DisagreementId = table.Column<string>(type: "text", nullable: false),
                    Sequence = table.Column<int>(type: "integer", nullable: false),
                    Type = table.Column<string>(type: "text", nullable: false),
                    At = table.Column<long>(type: "bigint", nullable: false),
                    Json = table.Column<string>(type: "text", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_DisagreementEvents", x => new { x.DisagreementId, x.Sequence });
                });

            migrationBuilder.CreateTable(
                name: "DisagreementParties",
                columns: table => new
                {
                    DisagreementId = table.Column<string>(type: "text", nullable: false),
                    AgencyCode = table.Column<string>(type: "text", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_DisagreementParties", x => new { x.AgencyCode, x.DisagreementId });
                });

            migrationBuilder.CreateTable(
                name: "Disagreements",
                columns: table => new
                {
                    Id = table.Column<string>(type: "text", nullable: false),
                    ProfileId = table.Column<string>(type: "text", nullable: false),
                    RaisedByAgency = table.Column<string>(type: "text", nullable: false),
                    IdempotencyKey = table.Column<string>(type: "text", nullable: false),
                    RequestHash = table.Column<string>(type: "text", nullable: false),
                    OpenedAt = table.Column<long>(type: "bigint", nullable: false),
                    Status = table.Column<string>(type: "text", nullable: false),
                    CurrentStage = table.Column<int>(type: "integer", nullable: false),
                    CurrentDeadlineAt = table.Column<long>(type: "bigint", nullable: true),
                    AutoEscalateAt = table.Column<long>(type: "bigint", nullable: true),
                    WarnAt = table.Column<long>(type: "bigint", nullable: true),
                    Version = table.Column<int>(type: "integer", nullable: false),
                    StateJson = table.Column<string>(type: "text", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Disagreements", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "FlowEvents",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    MessageId = table.Column<Guid>(type: "uuid", nullable: false),
                    MessageType = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    FromAgency = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    ToAgency = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    CaseReference = table.Column<string>(type: "text", nullable: true),
                    SentAt = table.Column<long>(type: "bigint", nullable: true),
                    DeliveredAt = table.Column<long>(type: "bigint", nullable: true),
                    AcknowledgedAt = table.Column<long>(type: "bigint", nullable: true),
                    Status = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    Error = table.Column<string>(type: "text", nullable: true),
                    RecordedAt = table.Column<long>(type: "bigint", nullable: false),
                    UpdatedAt = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_FlowEvents", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "Inbox",
                columns: table => new
                {
                    MessageId = table.Column<Guid>(type: "uuid", nullable: false),
                    MessageType = table.Column<string>(type: "text", nullable: false),
                    ProcessedAt = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Inbox", x => x.MessageId);
                });

            migrationBuilder.CreateTable(
                name: "LedgerEntries",
                columns: table => new
                {
                    Sequence = table.Column<long>(type: "bigint", nullable: false),
                    ChildFileId = table.Column<string>(type: "text", nullable: false),
                    CaseId = table.Column<string>(type: "text", nullable: true),
                    EntryType = table.Column<string>(type: "text", nullable: false),
                    AuthorAgency = table.Column<string>(type: "text", nullable: false),
                    RecordedAt = table.Column<long>(type: "bigint", nullable: false),
                    EntryBytes = table.Column<byte[]>(type: "bytea", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_LedgerEntries", x => x.Sequence);
                });

            migrationBuilder.CreateTable(
                name: "LedgerNodes",
                columns: table => new
                {
                    Level = table.Column<int>(type: "integer", nullable: false),
                    Idx = table.Column<long>(type: "bigint", nullable: false),
                    Hash = table.Column<byte[]>(type: "bytea", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_LedgerNodes", x => new { x.Level, x.Idx });
                });

            migrationBuilder.CreateTable(
                name: "LedgerTreeHeads",
                columns: table => new
                {
                    TreeSize = table.Column<long>(type: "bigint", nullable: false),
                    RootHash = table.Column<byte[]>(type: "bytea", nullable: false),
                    TimestampTicks = table.Column<long>(type: "bigint", nullable: false),
                    Signature = table.Column<byte[]>(type: "bytea", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_LedgerTreeHeads", x => x.TreeSize);
                });

            migrationBuilder.CreateTable(
                name: "Outbox",
                columns: table => new
                {
                    Sequence = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    MessageId = table.Column<Guid>(type: "uuid", nullable: false),
                    Destination = table.Column<string>(type: "text", nullable: false),
                    MessageType = table.Column<string>(type: "text", nullable: false),
                    Body = table.Column<string>(type: "text", nullable: false),
                    CreatedAt = table.Column<long>(type: "bigint", nullable: false),
                    SentAt = table.Column<long>(type: "bigint", nullable: true),
                    Attempts = table.Column<int>(type: "integer", nullable: false),
                    LastError = table.Column<string>(type: "text", nullable: true),
                    TraceParent = table.Column<string>(type: "text", nullable: true),
                    FailedAt = table.Column<long>(type: "bigint", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Outbox", x => x.Sequence);
                });

            migrationBuilder.CreateTable(
                name: "Redrives",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    DeadLetterId = table.Column<Guid>(type: "uuid", nullable: false),
                    MessageId = table.Column<Guid>(type: "uuid", nullable: false),
                    Queue = table.Column<string>(type: "text", nullable: false),
                    At = table.Column<long>(type: "bigint", nullable: false),
                    By = table.Column<string>(type: "text", nullable: false),
                    Reason = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Redrives", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_ChildFiles_NhsNumber",
                table: "ChildFiles",
                column: "NhsNumber",
                unique: true,
                filter: "\"NhsNumber\" IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "IX_Concerns_ChildFileId",
                table: "Concerns",
                column: "ChildFileId");

            migrationBuilder.CreateIndex(
                name: "IX_Concerns_RaisedAt",
                table: "Concerns",
                column: "RaisedAt");

            migrationBuilder.CreateIndex(
                name: "IX_Concerns_RaisedByAgency_IdempotencyKey",
                table: "Concerns",
                columns: new[] { "RaisedByAgency", "IdempotencyKey" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_Concerns_Reference",
                table: "Concerns",
                column: "Reference",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_Concerns_Status_RaisedAt",
                table: "Concerns",
                columns: new[] { "Status", "RaisedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_DeadLetters_MessageId",
                table: "DeadLetters",
                column: "MessageId");

            migrationBuilder.CreateIndex(
                name: "IX_DeadLetters_RedrivenAt_FailedAt",
                table: "DeadLetters",
                columns: new[] { "RedrivenAt", "FailedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_DisagreementChildFiles_DisagreementId",
                table: "DisagreementChildFiles",
                column: "DisagreementId");

            migrationBuilder.CreateIndex(
                name: "IX_DisagreementParties_DisagreementId",
                table: "DisagreementParties",
                column: "DisagreementId");

            migrationBuilder.CreateIndex(
                name: "IX_Disagreements_AutoEscalateAt",
                table: "Disagreements",
                column: "AutoEscalateAt",
                filter: "\"AutoEscalateAt\" IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "IX_Disagreements_CurrentDeadlineAt",
                table: "Disagreements",
                column: "CurrentDeadlineAt",
                filter: "\"CurrentDeadlineAt\" IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "IX_Disagreements_OpenedAt",
                table: "Disagreements",
                column: "OpenedAt");

            migrationBuilder.CreateIndex(
                name: "IX_Disagreements_RaisedByAgency_IdempotencyKey",
                table: "Disagreements",
                columns: new[] { "RaisedByAgency", "IdempotencyKey" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_Disagreements_WarnAt",
                table: "Disagreements",
                column: "WarnAt",
                filter: "\"WarnAt\" IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "IX_FlowEvents_FromAgency_RecordedAt",
                table: "FlowEvents",
                columns: new[] { "FromAgency", "RecordedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_FlowEvents_MessageId",
                table: "FlowEvents",
                column: "MessageId",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_FlowEvents_MessageType_RecordedAt",
                table: "FlowEvents",
                columns: new[] { "MessageType", "RecordedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_FlowEvents_RecordedAt",
                table: "FlowEvents",
                column: "RecordedAt");

            migrationBuilder.CreateIndex(
                name: "IX_FlowEvents_Status_RecordedAt",
                table: "FlowEvents",
                columns: new[] { "Status", "RecordedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_FlowEvents_ToAgency_RecordedAt",
                table: "FlowEvents",
                columns: new[] { "ToAgency", "RecordedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_FlowEvents_UpdatedAt",
                table: "FlowEvents",
                column: "UpdatedAt");

            migrationBuilder.CreateIndex(
                name: "IX_LedgerEntries_ChildFileId_Sequence",
                table: "LedgerEntries",
                columns: new[] { "ChildFileId", "Sequence" });

            migrationBuilder.CreateIndex(
                name: "IX_Outbox_MessageId",
                table: "Outbox",
                column: "MessageId",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_Outbox_Unsent",
                table: "Outbox",
                column: "Sequence",
                filter: "\"SentAt\" IS NULL AND \"FailedAt\" IS NULL");

            migrationBuilder.CreateIndex(
                name: "IX_Redrives_DeadLetterId",
                table: "Redrives",
                column: "DeadLetterId");

            // The ledger is append-only in the database too (keep this call when the migration is regenerated).
            migrationBuilder.Sql(EscalationHub.Server.Ledger.PostgresLedgerSchema.CreateTriggersSql);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql(EscalationHub.Server.Ledger.PostgresLedgerSchema.DropTriggersSql);

            migrationBuilder.DropTable(
                name: "AdapterStatuses");

            migrationBuilder.DropTable(
                name: "AgencyKeys");

            migrationBuilder.DropTable(
                name: "ChildFiles");

            migrationBuilder.DropTable(
                name: "ConcernStatusChanges");

            migrationBuilder.DropTable(
                name: "Concerns");

            migrationBuilder.DropTable(
                name: "DeadLetters");

            migrationBuilder.DropTable(
                name: "DisagreementChildFiles");

            migrationBuilder.DropTable(
                name: "DisagreementEvents");

            migrationBuilder.DropTable(
                name: "DisagreementParties");

            migrationBuilder.DropTable(
                name: "Disagreements");

            migrationBuilder.DropTable(
                name: "FlowEvents");

            migrationBuilder.DropTable(
                name: "Inbox");

            migrationBuilder.DropTable(
                name: "LedgerEntries");

            migrationBuilder.DropTable(
                name: "LedgerNodes");

            migrationBuilder.DropTable(
                name: "LedgerTreeHeads");

            migrationBuilder.DropTable(
                name: "Outbox");

            migrationBuilder.DropTable(
                name: "Redrives");
        }
    }
}
