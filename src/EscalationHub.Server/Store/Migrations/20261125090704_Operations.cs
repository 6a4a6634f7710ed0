using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace EscalationHub.Server.Store.Migrations
{
    /// <inheritdoc />
    public partial class Operations : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "TraceParent",
                table: "Outbox",
                type: "TEXT",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "AdapterStatuses",
                columns: table => new
                {
                    AgencyCode = table.Column<string>(type: "TEXT", nullable: false),
                    Version = table.Column<string>(type: "TEXT", nullable: false),
                    LastHeartbeatAt = table.Column<long>(type: "INTEGER", nullable: false),
                    Interval = table.Column<TimeSpan>(type: "TEXT", nullable: false),
                    LastAcknowledgementAt = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_AdapterStatuses", x => x.AgencyCode);
                });

            migrationBuilder.CreateTable(
                name: "DeadLetters",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    MessageId = table.Column<Guid>(type: "TEXT", nullable: false),
                    MessageType = table.Column<string>(type: "TEXT", nullable: false),
                    Queue = table.Column<string>(type: "TEXT", nullable: false),
                    ErrorQueue = table.Column<string>(type: "TEXT", nullable: false),
                    Reason = table.Column<string>(type: "TEXT", nullable: false),
                    ExceptionType = table.Column<string>(type: "TEXT", nullable: false),
                    FailedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    Envelope = table.Column<string>(type: "TEXT", nullable: false),
                    CaseReference = table.Column<string>(type: "TEXT", nullable: true),
                    RedrivenAt = table.Column<long>(type: "INTEGER", nullable: true),
                    Redrives = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_DeadLetters", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "FlowEvents",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    MessageId = table.Column<Guid>(type: "TEXT", nullable: false),
                    MessageType = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    FromAgency = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    ToAgency = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    CaseReference = table.Column<string>(type: "TEXT", nullable: true),
                    SentAt = table.Column<long>(type: "INTEGER", nullable: true),
                    DeliveredAt = table.Column<long>(type: "INTEGER", nullable: true),
                    AcknowledgedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    Status = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    Error = table.Column<string>(type: "TEXT", nullable: true),
                    RecordedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    UpdatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_FlowEvents", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "Redrives",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    DeadLetterId = table.Column<Guid>(type: "TEXT", nullable: false),
                    MessageId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Queue = table.Column<string>(type: "TEXT", nullable: false),
                    At = table.Column<long>(type: "INTEGER", nullable: false),
                    By = table.Column<string>(type: "TEXT", nullable: false),
                    Reason = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Redrives", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_Disagreements_OpenedAt",
                table: "Disagreements",
                column: "OpenedAt");

            migrationBuilder.CreateIndex(
                name: "IX_Concerns_RaisedAt",
                table: "Concerns",
                column: "RaisedAt");

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
                name: "IX_Redrives_DeadLetterId",
                table: "Redrives",
                column: "DeadLetterId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "AdapterStatuses");

            migrationBuilder.DropTable(
                name: "DeadLetters");

            migrationBuilder.DropTable(
                name: "FlowEvents");

            migrationBuilder.DropTable(
                name: "Redrives");

            migrationBuilder.DropIndex(
                name: "IX_Disagreements_OpenedAt",
                table: "Disagreements");

            migrationBuilder.DropIndex(
                name: "IX_Concerns_RaisedAt",
                table: "Concerns");

            migrationBuilder.DropIndex(
                name: "IX_Concerns_Status_RaisedAt",
                table: "Concerns");

            migrationBuilder.DropColumn(
                name: "TraceParent",
                table: "Outbox");
        }
    }
}
