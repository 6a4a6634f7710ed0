using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace EscalationHub.Server.Store.Migrations
{
    /// <inheritdoc />
    public partial class Disagreements : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "DisagreementChildFiles",
                columns: table => new
                {
                    DisagreementId = table.Column<string>(type: "TEXT", nullable: false),
                    ChildFileId = table.Column<string>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_DisagreementChildFiles", x => new { x.ChildFileId, x.DisagreementId });
                });

            migrationBuilder.CreateTable(
                name: "DisagreementEvents",
                columns: table => new
                {
                    DisagreementId = table.Column<string>(type: "TEXT", nullable: false),
                    Sequence = table.Column<int>(type: "INTEGER", nullable: false),
                    Type = table.Column<string>(type: "TEXT", nullable: false),
                    At = table.Column<long>(type: "INTEGER", nullable: false),
                    Json = table.Column<string>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_DisagreementEvents", x => new { x.DisagreementId, x.Sequence });
                });

            migrationBuilder.CreateTable(
                name: "DisagreementParties",
                columns: table => new
                {
                    DisagreementId = table.Column<string>(type: "TEXT", nullable: false),
                    AgencyCode = table.Column<string>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_DisagreementParties", x => new { x.AgencyCode, x.DisagreementId });
                });

            migrationBuilder.CreateTable(
                name: "Disagreements",
                columns: table => new
                {
                    Id = table.Column<string>(type: "TEXT", nullable: false),
                    ProfileId = table.Column<string>(type: "TEXT", nullable: false),
                    RaisedByAgency = table.Column<string>(type: "TEXT", nullable: false),
                    IdempotencyKey = table.Column<string>(type: "TEXT", nullable: false),
                    RequestHash = table.Column<string>(type: "TEXT", nullable: false),
                    OpenedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    Status = table.Column<string>(type: "TEXT", nullable: false),
                    CurrentStage = table.Column<int>(type: "INTEGER", nullable: false),
                    CurrentDeadlineAt = table.Column<long>(type: "INTEGER", nullable: true),
                    AutoEscalateAt = table.Column<long>(type: "INTEGER", nullable: true),
                    WarnAt = table.Column<long>(type: "INTEGER", nullable: true),
                    Version = table.Column<int>(type: "INTEGER", nullable: false),
                    StateJson = table.Column<string>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Disagreements", x => x.Id);
                });

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
                filter: "AutoEscalateAt IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "IX_Disagreements_CurrentDeadlineAt",
                table: "Disagreements",
                column: "CurrentDeadlineAt",
                filter: "CurrentDeadlineAt IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "IX_Disagreements_RaisedByAgency_IdempotencyKey",
                table: "Disagreements",
                columns: new[] { "RaisedByAgency", "IdempotencyKey" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_Disagreements_WarnAt",
                table: "Disagreements",
                column: "WarnAt",
                filter: "WarnAt IS NOT NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "DisagreementChildFiles");

            migrationBuilder.DropTable(
                name: "DisagreementEvents");

            migrationBuilder.DropTable(
                name: "DisagreementParties");

            migrationBuilder.DropTable(
                name: "Disagreements");
        }
    }
}
