using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace InfoCamWeb.Data;

public static class Database
{
    /// <summary>Applies migrations and switches the file to WAL mode (readers do not block the worker's writes).</summary>
    public static async Task MigrateAsync(IDbContextFactory<InfoCamDbContext> factory, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var path = new SqliteConnectionStringBuilder(db.Database.GetConnectionString()).DataSource;
        var folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is not null)
        {
            Directory.CreateDirectory(folder);
        }
        await db.Database.MigrateAsync(ct);
        await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", ct);
    }
}
