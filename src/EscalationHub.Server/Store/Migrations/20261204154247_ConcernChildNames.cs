using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace EscalationHub.Server.Store.Migrations
{
    /// <inheritdoc />
    public partial class ConcernChildNames : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "ChildFamilyName",
                table: "Concerns",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "ChildGivenName",
                table: "Concerns",
                type: "TEXT",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "ChildFamilyName",
                table: "Concerns");

            migrationBuilder.DropColumn(
                name: "ChildGivenName",
                table: "Concerns");
        }
    }
}
