namespace InfoCamWeb.Web.Extensions;

/// <summary>The <c>InfoCam</c> section of appsettings.json. Relative paths are resolved against the content root.</summary>
public sealed class InfoCamOptions
{
    public const string Section = "InfoCam";

    public string DataFolder { get; set; } = "data";
    public string Database { get; set; } = "data/infocam.db";
    public string JobsDatabase { get; set; } = "data/jobs.db";

    /// <summary>How long an action waits for a locked database before it fails cleanly.</summary>
    public int DatabaseBusyTimeoutSeconds { get; set; } = 30;
    public DemoOptions Demo { get; set; } = new();
    public UploadOptions Uploads { get; set; } = new();

    /// <summary>Server folders under which existing datasets may be registered by path.</summary>
    public List<string> ServerDatasetRoots { get; set; } = new();
    public WorkerOptions Worker { get; set; } = new();
    public QuotaOptions Quotas { get; set; } = new();
}

/// <summary>Per-team limits, enforced by the services for the UI and the API alike.</summary>
public sealed class QuotaOptions
{
    public int ConcurrentRunsPerTeam { get; set; } = 3;
    public int RunsPerTeamPerDay { get; set; } = 100;
    public int UploadsPerTeamPerDay { get; set; } = 50;
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
}

public sealed class WorkerOptions
{
    /// <summary>Start and supervise the worker process (off only in tests that do not execute runs).</summary>
    public bool Enabled { get; set; } = true;
    public string Device { get; set; } = "cpu";

    /// <summary>Path of infocam.dll; empty: next to the web app.</summary>
    public string CliPath { get; set; } = "";
    public int RestartDelaySeconds { get; set; } = 2;
}
