using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace InfoCamWeb.Data;

public static class Database
{
    /// <summary>
    /// Applies the provider's migrations (SQLite: creates the folder and switches the file to WAL mode, so readers do not
    /// block the worker's writes). A database made by a pre-release build is refused with what to do, untouched.
    /// </summary>
    public static async Task MigrateAsync(IDbContextFactory<InfoCamDbContext> factory, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        bool sqlite = db is SqliteInfoCamDbContext;
        if (sqlite)
        {
            var path = new SqliteConnectionStringBuilder(db.Database.GetConnectionString()).DataSource;
            var folder = Path.GetDirectoryName(Path.GetFullPath(path));
            if (folder is not null) Directory.CreateDirectory(folder);
        }
        await RefuseUnknownMigrationsAsync(db, ct);
        await db.Database.MigrateAsync(ct);
        if (sqlite) await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", ct);
    }

    private static async Task RefuseUnknownMigrationsAsync(InfoCamDbContext db, CancellationToken ct)
    {
        if (!await db.Database.CanConnectAsync(ct)) return;
        var known = db.Database.GetMigrations().ToHashSet();
        var unknown = (await db.Database.GetAppliedMigrationsAsync(ct)).Where(m => !known.Contains(m)).ToList();
        if (unknown.Count > 0)
        {
            throw new InvalidOperationException(
                $"The database was made by a pre-release build (migration '{unknown[0]}' is not one of this release's); it was not changed. " +
                "Move the data folder's infocam.db and jobs.db away (or drop the PostgreSQL database) and start again.");
        }
    }
}
