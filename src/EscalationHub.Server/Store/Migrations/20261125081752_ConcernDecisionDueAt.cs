using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace EscalationHub.Server.Store.Migrations
{
    /// <inheritdoc />
    public partial class ConcernDecisionDueAt : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "DecisionDueAt",
                table: "Concerns",
                type: "INTEGER",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "DecisionDueAt",
                table: "Concerns");
        }
    }
}
