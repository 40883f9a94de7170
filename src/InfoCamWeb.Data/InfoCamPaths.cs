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

    /// <summary>Empty working folders of the worker, its runs and model inspections (threats.md, decision 1).</summary>
    public string WorkFolder => Path.Combine(DataFolder, "work");

    /// <summary>
    /// A new, empty folder under <see cref="WorkFolder"/>/<paramref name="area"/> to run untrusted models in: ONNX Runtime
    /// resolves a model's relative paths against the working directory, so nothing of ours may sit there.
    /// </summary>
    public WorkingFolder NewWorkingFolder(string area) => new(Path.Combine(WorkFolder, area, Guid.NewGuid().ToString("N")));

    /// <summary>An empty folder that is deleted, with anything written into it, when disposed.</summary>
    public sealed class WorkingFolder : IDisposable
    {
        internal WorkingFolder(string path)
        {
            Path = path;
            Directory.CreateDirectory(path);
        }

        public string Path { get; }

        public void Dispose()
        {
            try
            {
                Directory.Delete(Path, recursive: true);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
            }
        }
    }

    /// <summary>
    /// How a folder is stored in the database: relative to the data folder when inside it (machines that mount the
    /// storage root at another path still find it), absolute otherwise (a server folder outside the storage).
    /// </summary>
    public string ToStored(string fullPath) => RelativeInside(DataFolder, fullPath) ?? fullPath;

    /// <summary><paramref name="fullPath"/> relative to <paramref name="root"/> with '/' separators ("." for the root itself); null when outside it.</summary>
    public static string? RelativeInside(string root, string fullPath)
    {
        var relative = Path.GetRelativePath(root, fullPath);
        bool inside = relative != ".." && !relative.StartsWith(".." + Path.DirectorySeparatorChar, StringComparison.Ordinal) && !Path.IsPathRooted(relative);
        return inside ? relative.Replace(Path.DirectorySeparatorChar, '/') : null;
    }

    /// <summary>The full path of a stored folder (see <see cref="ToStored"/>).</summary>
    public string FromStored(string stored) => Path.IsPathRooted(stored) ? stored : Resolve(stored);

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
