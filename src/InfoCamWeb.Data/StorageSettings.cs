namespace InfoCamWeb.Data;

/// <summary>
/// The storage keys of the <c>InfoCam</c> section that the web app and every worker read alike (one definition, bound
/// by each host from its own configuration): where the files live and which store holds the database and the jobs.
/// Relative paths are resolved against the host's content root.
/// </summary>
public class StorageSettings
{
    /// <summary>SQLite (files under the data folder, the default) or PostgreSQL (ConnectionStrings:InfoCam), for several machines.</summary>
    public string Store { get; set; } = "SQLite";

    /// <summary>The storage root: models, datasets, caches, working folders. Every machine mounts the same one.</summary>
    public string DataFolder { get; set; } = "data";

    public string Database { get; set; } = "data/infocam.db";
    public string JobsDatabase { get; set; } = "data/jobs.db";

    /// <summary>How long an action waits for a locked SQLite database before it fails cleanly.</summary>
    public int DatabaseBusyTimeoutSeconds { get; set; } = 30;

    public InfoCamPaths PathsUnder(string contentRoot)
    {
        string Full(string p) => Path.GetFullPath(Path.IsPathRooted(p) ? p : Path.Combine(contentRoot, p));
        return new InfoCamPaths(Full(DataFolder), Full(Database), Full(JobsDatabase));
    }

    /// <summary>The configured store; a wrong setting stops the host at start with the setting named.</summary>
    public Store StoreFor(InfoCamPaths paths, string? postgresConnection) =>
        Data.Store.From(Store, paths, postgresConnection, DatabaseBusyTimeoutSeconds);
}
