namespace InfoCamWeb.Web.Extensions;

/// <summary>
/// The <c>InfoCam</c> section of appsettings.json: the storage keys every host shares (<see cref="StorageSettings"/>)
/// and what only the web app reads. Relative paths are resolved against the content root.
/// </summary>
public sealed class InfoCamOptions : InfoCamWeb.Data.StorageSettings
{
    public const string Section = "InfoCam";

    /// <summary>Largest size of the rendered-image cache (heatmaps, gallery) before the oldest files are pruned.</summary>
    public long CacheMaxMegabytes { get; set; } = 2048;

    public DemoOptions Demo { get; set; } = new();
    public UploadOptions Uploads { get; set; } = new();

    /// <summary>Server folders under which existing datasets may be registered by path.</summary>
    public List<string> ServerDatasetRoots { get; set; } = new();
    public WorkerOptions Worker { get; set; } = new();
    public ShardOptions Shards { get; set; } = new();
    public QuotaOptions Quotas { get; set; } = new();
    public SecurityOptions Security { get; set; } = new();
}

/// <summary>How runs are cut into shards that any worker of the run's device takes.</summary>
public sealed class ShardOptions
{
    /// <summary>Images per shard (the last shard of a run may be shorter). Fixed per run when it is created.</summary>
    public int Size { get; set; } = 1000;

    /// <summary>
    /// Shards kept waiting in a device's job queue per live worker of the device (2: a worker that ends a shard always
    /// finds the next one); the rest wait in the database, where the dispatcher orders them fairly.
    /// </summary>
    public int QueuedPerWorker { get; set; } = 2;
}

/// <summary>Per-team limits, enforced by the services for the UI and the API alike.</summary>
public sealed class QuotaOptions
{
    public int ConcurrentRunsPerTeam { get; set; } = 3;
    public int RunsPerTeamPerDay { get; set; } = 100;
    public int UploadsPerTeamPerDay { get; set; } = 50;

    /// <summary>Upload attempts per team and hour, refused ones included.</summary>
    public int UploadAttemptsPerTeamPerHour { get; set; } = 120;
}

public sealed class DemoOptions
{
    public bool Register { get; set; } = true;
    public string ModelPath { get; set; } = "datasets/demo-model/demo-cnn.onnx";
    public string DatasetFolder { get; set; } = "datasets/demo-cub";
    public bool RunOnFirstStart { get; set; } = true;
}

public sealed class UploadOptions
{
    public long MaxModelBytes { get; set; } = 1L << 30;
    public long MaxDatasetBytes { get; set; } = 4L << 30;

    /// <summary>An upload that delivers no data for this long is refused and its temporary file removed.</summary>
    public int StallSeconds { get; set; } = 60;

    /// <summary>Dataset archives extracted and checked at once; more wait their turn.</summary>
    public int ConcurrentExtractions { get; set; } = 2;
}

public sealed class WorkerOptions
{
    /// <summary>Start and supervise the worker process (off only in tests that do not execute runs).</summary>
    public bool Enabled { get; set; } = true;
    /// <summary>The local worker's device (cpu, cuda, cuda:N); runs created here wait in the queue of its class.</summary>
    public string Device { get; set; } = "cpu";

    /// <summary>The queue of <see cref="Device"/>'s class ("cpu", "cuda").</summary>
    public string Queue => Core.Inference.DeviceSpec.Parse(Device).Queue;

    /// <summary>How often a worker writes its heartbeat (passed to the local worker; others read their own configuration).</summary>
    public int HeartbeatSeconds { get; set; } = 5;

    /// <summary>A worker whose heartbeat is older than this is shown as lost and its run is queued again for another worker.</summary>
    public int LostAfterSeconds { get; set; } = 60;

    /// <summary>The name of the worker this web app starts and supervises on its own machine.</summary>
    public string LocalWorkerName => $"{Environment.MachineName}-local-{Device}";

    /// <summary>Path of InfoCamWeb.Worker.dll; empty: next to the web app.</summary>
    public string WorkerPath { get; set; } = "";

    /// <summary>The worker service next to the web app (or <see cref="WorkerPath"/>).</summary>
    public string WorkerAssembly => string.IsNullOrEmpty(WorkerPath) ? Path.Combine(AppContext.BaseDirectory, "InfoCamWeb.Worker.dll") : WorkerPath;
    public int RestartDelaySeconds { get; set; } = 2;

    /// <summary>Longest one inference batch may run before ONNX Runtime is told to stop (RunOptions.Terminate).</summary>
    public int BatchTimeoutSeconds { get; set; } = 600;

    /// <summary>The hard stop: a run whose heartbeat is older than this has its worker killed (covers what Terminate cannot stop).</summary>
    public int StallSeconds { get; set; } = 900;

    /// <summary>Resident memory cap of the worker and of the model inspector, MB; above it the process is killed.</summary>
    public int MemoryLimitMb { get; set; } = 6144;

    /// <summary>A run that ends the worker abnormally this many times (crash, memory cap, stall) is failed with the reason.</summary>
    public int MaxWorkerEnds { get; set; } = 3;

    /// <summary>Longest a model inspection (parse, session, probe run) may take at upload.</summary>
    public int InspectTimeoutSeconds { get; set; } = 60;

    /// <summary>Model inspections running at once (each is a child process under the memory cap); more wait their turn.</summary>
    public int ConcurrentInspections { get; set; } = 2;

    /// <summary>Environment of the worker and the inspector: their ONNX Runtime arena, managed heap and batch time caps.</summary>
    public IReadOnlyDictionary<string, string> ChildEnvironment(int batchTimeoutSeconds)
    {
        long limit = Math.Max(256, MemoryLimitMb);
        return new Dictionary<string, string>
        {
            ["INFOCAM_ORT_MAX_MEMORY_MB"] = Math.Min(3072, limit * 3 / 4).ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["INFOCAM_BATCH_TIMEOUT_SECONDS"] = Math.Max(1, batchTimeoutSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["DOTNET_GCHeapHardLimit"] = "0x" + ((limit / 2) << 20).ToString("x", System.Globalization.CultureInfo.InvariantCulture),
        };
    }
}
