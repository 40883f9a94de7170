using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace InfoCamWeb.Data;

public enum StoreProvider
{
    /// <summary>Files under the data folder: the embedded default, nothing to install.</summary>
    Sqlite,

    /// <summary>A PostgreSQL server that several machines (the web app and workers) share.</summary>
    PostgreSql,
}

/// <summary>
/// Where the application database and the job storage live, chosen by configuration: <c>InfoCam:Store</c> =
/// <c>SQLite</c> (default; <c>InfoCam:Database</c> and <c>InfoCam:JobsDatabase</c> are files) or <c>PostgreSQL</c>
/// (<c>ConnectionStrings:InfoCam</c>; the application tables and Hangfire's schema <c>hangfire</c> in one database).
/// </summary>
public sealed record Store(StoreProvider Provider, InfoCamPaths Paths, string? PostgresConnection, int BusyTimeoutSeconds = 30)
{
    public const string ConnectionStringName = "InfoCam";

    public static Store Sqlite(InfoCamPaths paths, int busyTimeoutSeconds = 30) => new(StoreProvider.Sqlite, paths, null, busyTimeoutSeconds);

    /// <summary>The store the settings name; a clear error names the setting that is wrong.</summary>
    public static Store From(string? provider, InfoCamPaths paths, string? postgresConnection, int busyTimeoutSeconds = 30)
    {
        var kind = (provider ?? "").Trim().ToLowerInvariant() switch
        {
            "" or "sqlite" => StoreProvider.Sqlite,
            "postgresql" or "postgres" => StoreProvider.PostgreSql,
            _ => throw new InvalidOperationException($"InfoCam:Store is '{provider}': use SQLite (the default) or PostgreSQL."),
        };
        if (kind == StoreProvider.PostgreSql && string.IsNullOrWhiteSpace(postgresConnection))
        {
            throw new InvalidOperationException($"InfoCam:Store is PostgreSQL but ConnectionStrings:{ConnectionStringName} is empty.");
        }
        return new Store(kind, paths, kind == StoreProvider.PostgreSql ? postgresConnection : null, busyTimeoutSeconds);
    }

    /// <summary>For logs and pages: the file, or host/port/database (never the password).</summary>
    public string Describe()
    {
        if (Provider == StoreProvider.Sqlite) return $"SQLite {Paths.Database}";
        var b = new NpgsqlConnectionStringBuilder(PostgresConnection);
        return $"PostgreSQL {b.Host}:{b.Port}/{b.Database}";
    }

    public void Configure(DbContextOptionsBuilder builder)
    {
        if (Provider == StoreProvider.Sqlite) builder.UseSqlite(InfoCamDbContext.ConnectionString(Paths.Database, BusyTimeoutSeconds));
        else builder.UseNpgsql(PostgresConnection);
    }
}

/// <summary>Creates the provider's context for the configured store: one context per operation, for every host.</summary>
public sealed class InfoCamDbContextFactory(Store store) : IDbContextFactory<InfoCamDbContext>
{
    private readonly DbContextOptions _options = OptionsFor(store);

    public Store Store => store;

    public InfoCamDbContext CreateDbContext() => store.Provider == StoreProvider.Sqlite
        ? new SqliteInfoCamDbContext(_options)
        : new PostgresInfoCamDbContext(_options);

    private static DbContextOptions OptionsFor(Store store)
    {
        var builder = new DbContextOptionsBuilder<InfoCamDbContext>();
        store.Configure(builder);
        return builder.Options;
    }
}
