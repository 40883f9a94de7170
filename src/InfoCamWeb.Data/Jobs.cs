using Hangfire;
using Hangfire.Storage.SQLite;

namespace InfoCamWeb.Data;

/// <summary>Hangfire storage settings shared by the web app (client) and the worker (server).</summary>
public static class Jobs
{
    /// <summary>The queue of runs that were interrupted on <paramref name="device"/>; the worker takes it first.</summary>
    public static string ResumeQueue(string device) => device + "_resume";

    public static IGlobalConfiguration UseInfoCamStorage(this IGlobalConfiguration configuration, InfoCamPaths paths)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(paths.JobsDatabase)!);
        return configuration
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings()
            .UseSQLiteStorage(paths.JobsDatabase, new SQLiteStorageOptions
            {
                QueuePollInterval = TimeSpan.FromSeconds(1),
                // A job fetched by a worker that died becomes visible again after this; the supervisor also requeues.
                InvisibilityTimeout = TimeSpan.FromMinutes(5),
            });
    }
}
