using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace InfoCamWeb.Data.Migrations.Sqlite
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
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<int>(
                name: "ValImages",
                table: "Datasets",
                type: "INTEGER",
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
