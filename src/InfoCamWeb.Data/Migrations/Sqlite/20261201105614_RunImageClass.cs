using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace InfoCamWeb.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class RunImageClass : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_RunImages_RunId_TrueClass",
                table: "RunImages",
                columns: new[] { "RunId", "TrueClass" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_RunImages_RunId_TrueClass",
                table: "RunImages");
        }
    }
}
