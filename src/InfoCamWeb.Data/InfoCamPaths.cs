namespace InfoCamWeb.Data;

/// <summary>Where the app keeps its files: the SQLite databases and the data folder (models, datasets, caches).</summary>
public sealed class InfoCamPaths
{
    public InfoCamPaths(string dataFolder, string database, string jobsDatabase)
    {
        DataFolder = Path.GetFullPath(dataFolder);
        Database = Path.GetFullPath(database);
        JobsDatabase = Path.GetFullPath(jobsDatabase);
    }

    public string DataFolder { get; }
    public string Database { get; }
    public string JobsDatabase { get; }

    public string ModelsFolder => Path.Combine(DataFolder, "models");
    public string DatasetsFolder => Path.Combine(DataFolder, "datasets");
    public string UploadsFolder => Path.Combine(DataFolder, "uploads");
    public string CacheFolder => Path.Combine(DataFolder, "cache");

    /// <summary>Full path of a file stored under the data folder; refuses paths that leave it.</summary>
    public string Resolve(string relative)
    {
        var full = Path.GetFullPath(Path.Combine(DataFolder, relative));
        var root = DataFolder.EndsWith(Path.DirectorySeparatorChar) ? DataFolder : DataFolder + Path.DirectorySeparatorChar;
        if (!full.StartsWith(root, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"'{relative}' is outside the data folder.");
        }
        return full;
    }
}
