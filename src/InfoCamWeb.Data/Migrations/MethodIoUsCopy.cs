using Microsoft.EntityFrameworkCore.Migrations;

namespace InfoCamWeb.Data.Migrations;

/// <summary>
/// Moves the three fixed IoU columns of RunImages (IoU0..IoU2, one per method position) into RunImageMethods rows before
/// the columns go: position m is copied where the run lists more than m methods. The same SQL for SQLite and PostgreSQL.
/// </summary>
internal static class MethodIoUsCopy
{
    public static void Up(MigrationBuilder migrationBuilder)
    {
        for (int m = 0; m < 3; m++)
        {
            migrationBuilder.Sql(
                $"""
                INSERT INTO "RunImageMethods" ("RunId", "Index", "Method", "FixedIoU")
                SELECT i."RunId", i."Index", {m}, i."IoU{m}" FROM "RunImages" AS i JOIN "Runs" AS r ON r."Id" = i."RunId"
                WHERE length(r."Methods") - length(replace(r."Methods", ',', '')) >= {m};
                """);
        }
    }

    /// <summary>Back into the columns (methods past the third are dropped with the table).</summary>
    public static void Down(MigrationBuilder migrationBuilder)
    {
        for (int m = 0; m < 3; m++)
        {
            migrationBuilder.Sql(
                $"""
                UPDATE "RunImages" SET "IoU{m}" = COALESCE((SELECT x."FixedIoU" FROM "RunImageMethods" AS x
                WHERE x."RunId" = "RunImages"."RunId" AND x."Index" = "RunImages"."Index" AND x."Method" = {m}), 0);
                """);
        }
    }
}
