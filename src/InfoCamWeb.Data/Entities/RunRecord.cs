namespace InfoCamWeb.Data.Entities;

public enum RunStatus
{
    Queued = 0,
    Running = 1,
    Succeeded = 2,
    Failed = 3,
    Cancelled = 4,
}

/// <summary>
/// A benchmark run, executed as shards (<see cref="RunShardRecord"/>) by any number of workers. The database is the
/// source of truth for its state; workers update it per batch, and the worker that completes the last shard computes
/// the result from the saved outcomes.
/// </summary>
public sealed class RunRecord
{
    public int Id { get; set; }
    public int ModelId { get; set; }
    public ModelRecord? Model { get; set; }
    public int DatasetId { get; set; }
    public DatasetRecord? Dataset { get; set; }
    public int TeamId { get; set; }
    public Team? Team { get; set; }

    /// <summary>Who started it (null for the demo run).</summary>
    public string? CreatedByUserId { get; set; }

    public string Split { get; set; } = "test";
    public string Methods { get; set; } = "cam,infocam,infocam+";
    public string Protocol { get; set; } = "resize224";
    public double CamThreshold { get; set; } = 0.2;
    public double ThresholdStep { get; set; } = 0.01;
    public int Window { get; set; } = 4;
    /// <summary>Images per inference batch as requested; 0: chosen automatically for the device.</summary>
    public int BatchSize { get; set; } = 16;
    public string ProviderRequested { get; set; } = "auto";

    /// <summary>Skip images that cannot be decoded (listed on the result page) instead of failing the run.</summary>
    public bool SkipBadImages { get; set; }

    /// <summary>
    /// The settings the worker executes (<see cref="Runs.RunSpec"/> as JSON), fixed when the run is created; the columns
    /// above repeat them for lists, filters and leaderboards. Null only for runs created before specs were stored.
    /// </summary>
    public string? Spec { get; set; }

    /// <summary>The device queue the run waits in ("cpu", or "cuda" for GPU machines).</summary>
    public string Device { get; set; } = "cpu";

    public RunStatus Status { get; set; }
    public bool CancelRequested { get; set; }
    public DateTimeOffset QueuedAt { get; set; }
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
    /// <summary>The last progress saved by any of its shards.</summary>
    public DateTimeOffset? HeartbeatAt { get; set; }
    public int ImagesDone { get; set; }
    public int ImagesTotal { get; set; }
    public double ImagesPerSecond { get; set; }
    public string? ProviderUsed { get; set; }
    public string? Error { get; set; }
    /// <summary>Times a worker started on this run.</summary>
    public int Attempts { get; set; }

    /// <summary>Times the worker ended abnormally (crash, memory cap, time limit) while running this run.</summary>
    public int WorkerEnds { get; set; }

    /// <summary>GT-known Loc so far per method, JSON (for the live view).</summary>
    public string? RunningMetrics { get; set; }

    /// <summary>The final result (same JSON as the CLI's --output).</summary>
    public string? ResultJson { get; set; }

    /// <summary>Published to the leaderboard of its (dataset, split, protocol).</summary>
    public bool Published { get; set; }
    public DateTimeOffset? PublishedAt { get; set; }

    /// <summary>What of the dataset's ground truth the run's viewers outside the dataset's team may not see (benchmark submissions).</summary>
    public GroundTruthHiding Concealment { get; set; }

    /// <summary>Scores are hidden from all but the dataset's team until then (a phase whose board shows when it closes).</summary>
    public DateTimeOffset? ScoresHiddenUntil { get; set; }

    /// <summary>
    /// The run failed because of its model: an error the model caused (its outputs, its graph) or a worker stopped for
    /// its memory cap or time limit while running it; false for failures of the server (a lost or crashed worker, the
    /// data, an internal error). A benchmark submission that fails by its model counts toward the limits.
    /// </summary>
    public bool FailedByModel { get; set; }

    /// <summary>The engine (InfoCamWeb.Core) version of the worker that computed the result.</summary>
    public string? EngineVersion { get; set; }

    public bool IsActive => Status is RunStatus.Queued or RunStatus.Running;
}

/// <summary>One image's outcome of a run, keyed by (run, index in split): a resumed run never counts an image twice.</summary>
public sealed class RunImageRecord
{
    public int RunId { get; set; }
    public int Index { get; set; }
    public required string ImageId { get; set; }
    public int TrueClass { get; set; }
    public int PredictedClass { get; set; }

    /// <summary>The full outcome (<see cref="InfoCamWeb.Core.Evaluation.OutcomeCodec"/>).</summary>
    public required byte[] Outcome { get; set; }

    /// <summary>Each method's score map at feature resolution (<see cref="InfoCamWeb.Core.Evaluation.ScoreMapCodec"/>), for heatmaps.</summary>
    public byte[]? Maps { get; set; }
}

/// <summary>
/// One method's fixed-threshold IoU on one image of a run, for sorting, filtering and live figures without decoding the
/// outcome: one row per (image, method), so a run can score any number of methods.
/// </summary>
public sealed class RunImageMethodRecord
{
    public int RunId { get; set; }
    public int Index { get; set; }

    /// <summary>The method's position in the run's method list (<see cref="RunRecord.Methods"/>).</summary>
    public int Method { get; set; }

    public double FixedIoU { get; set; }
}
