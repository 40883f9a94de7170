using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace InfoCamWeb.Data.Migrations.PostgreSql
{
    /// <inheritdoc />
    public partial class ValAndMasks : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "Masks",
                table: "Datasets",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<int>(
                name: "ValImages",
                table: "Datasets",
                type: "integer",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "Masks",
                table: "Datasets");

            migrationBuilder.DropColumn(
                name: "ValImages",
                table: "Datasets");
        }
    }
}
