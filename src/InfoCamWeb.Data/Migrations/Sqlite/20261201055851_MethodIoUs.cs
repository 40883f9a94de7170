
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace InfoCamWeb.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class MethodIoUs : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "RunImageMethods",
                columns: table => new
                {
                    RunId = table.Column<int>(type: "INTEGER", nullable: false),
                    Index = table.Column<int>(type: "INTEGER", nullable: false),
                    Method = table.Column<int>(type: "INTEGER", nullable: false),
                    FixedIoU = table.Column<double>(type: "REAL", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RunImageMethods", x => new { x.RunId, x.Index, x.Method });
                    table.ForeignKey(
                        name: "FK_RunImageMethods_RunImages_RunId_Index",
                        columns: x => new { x.RunId, x.Index },
                        principalTable: "RunImages",
                        principalColumns: new[] { "RunId", "Index" },
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_RunImageMethods_RunId_Method_FixedIoU",
                table: "RunImageMethods",
                columns: new[] { "RunId", "Method", "FixedIoU" });

            MethodIoUsCopy.Up(migrationBuilder);

            migrationBuilder.DropColumn(
                name: "IoU0",
                table: "RunImages");

            migrationBuilder.DropColumn(
                name: "IoU1",
                table: "RunImages");

            migrationBuilder.DropColumn(
                name: "IoU2",
                table: "RunImages");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<double>(
                name: "IoU0",
                table: "RunImages",
                type: "REAL",
                nullable: false,
                defaultValue: 0.0);

            migrationBuilder.AddColumn<double>(
                name: "IoU1",
                table: "RunImages",
                type: "REAL",
                nullable: false,
                defaultValue: 0.0);

            migrationBuilder.AddColumn<double>(
                name: "IoU2",
                table: "RunImages",
                type: "REAL",
                nullable: false,
                defaultValue: 0.0);

            MethodIoUsCopy.Down(migrationBuilder);

            migrationBuilder.DropTable(
                name: "RunImageMethods");
        }
    }
}
