using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace InfoCamWeb.Data.Migrations
{
    /// <inheritdoc />
    public partial class RunSpec : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "Spec",
                table: "Runs",
                type: "TEXT",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "Spec",
                table: "Runs");
        }
    }
}
