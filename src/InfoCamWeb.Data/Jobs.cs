using Hangfire;
using Hangfire.PostgreSql;
using Hangfire.Storage.SQLite;

namespace InfoCamWeb.Data;

/// <summary>Hangfire storage settings shared by the web app (client) and the workers (servers), for the configured store.</summary>
public static class Jobs
{
    /// <summary>The queue of runs that were interrupted on <paramref name="device"/>; the worker takes it first.</summary>
    public static string ResumeQueue(string device) => device + "_resume";

    // A job fetched by a worker that died before it claimed the shard becomes visible again after this (a live worker
    // keeps its fetched job invisible: sliding on PostgreSQL, a heartbeat on SQLite). A job delivered twice is harmless:
    // the shard claim lets one worker execute it and the other return at once.
    private static readonly TimeSpan Invisibility = TimeSpan.FromMinutes(1);

    public static IGlobalConfiguration UseInfoCamStorage(this IGlobalConfiguration configuration, Store store)
    {
        configuration = configuration
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings();
        if (store.Provider == StoreProvider.PostgreSql)
        {
            return configuration.UsePostgreSqlStorage(o => o.UseNpgsqlConnection(store.PostgresConnection), new PostgreSqlStorageOptions
            {
                SchemaName = "hangfire",
                PrepareSchemaIfNecessary = true,
                QueuePollInterval = TimeSpan.FromSeconds(1),
                InvisibilityTimeout = Invisibility,
                UseSlidingInvisibilityTimeout = true,
            });
        }
        Directory.CreateDirectory(Path.GetDirectoryName(store.Paths.JobsDatabase)!);
        return configuration.UseSQLiteStorage(store.Paths.JobsDatabase, new SQLiteStorageOptions
        {
            QueuePollInterval = TimeSpan.FromSeconds(1),
            InvisibilityTimeout = Invisibility,
        });
    }
}
