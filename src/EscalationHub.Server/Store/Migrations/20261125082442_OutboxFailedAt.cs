using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace EscalationHub.Server.Store.Migrations
{
    /// <inheritdoc />
    public partial class OutboxFailedAt : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Outbox_Unsent",
                table: "Outbox");

            migrationBuilder.AddColumn<long>(
                name: "FailedAt",
                table: "Outbox",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_Outbox_Unsent",
                table: "Outbox",
                column: "Sequence",
                filter: "SentAt IS NULL AND FailedAt IS NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Outbox_Unsent",
                table: "Outbox");

            migrationBuilder.DropColumn(
                name: "FailedAt",
                table: "Outbox");

            migrationBuilder.CreateIndex(
                name: "IX_Outbox_Unsent",
                table: "Outbox",
                column: "Sequence",
                filter: "SentAt IS NULL");
        }
    }
}
