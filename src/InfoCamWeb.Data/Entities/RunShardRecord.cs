namespace InfoCamWeb.Data.Entities;

public enum ShardState
{
    /// <summary>Waiting: not yet given to the job queue (<see cref="RunShardRecord.JobId"/> null) or waiting there.</summary>
    Queued = 0,

    /// <summary>Claimed by <see cref="RunShardRecord.WorkerName"/>, which saves its outcomes batch by batch.</summary>
    Running = 1,

    /// <summary>Every image of the range has its outcome saved (or was skipped as undecodable).</summary>
    Done = 2,
}

/// <summary>
/// One shard of a run: the images [Start, End) of its split, executed by one worker at a time. Outcomes stay keyed by
/// (run, image index) in <see cref="RunImageRecord"/>, so a shard taken over from a lost worker counts nothing twice;
/// what is not an outcome (skipped images, stage seconds, provider) is kept here for the run's final result.
/// </summary>
public sealed class RunShardRecord
{
    public int RunId { get; set; }

    /// <summary>0, 1, ... in split order.</summary>
    public int Index { get; set; }
    public int Start { get; set; }
    public int End { get; set; }
    public ShardState State { get; set; }

    /// <summary>The worker that claimed it last (kept when done, for the run's shard list).</summary>
    public string? WorkerName { get; set; }

    /// <summary>The job queued for it; null while the dispatcher has not given it to the queue.</summary>
    public string? JobId { get; set; }
    public int Attempts { get; set; }
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? HeartbeatAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }

    /// <summary>Images of the range that could not be decoded (the run skips bad images), JSON list of messages.</summary>
    public string? Skipped { get; set; }

    /// <summary>The shard's stage seconds (<see cref="InfoCamWeb.Core.Evaluation.StageSeconds"/> as JSON).</summary>
    public string? Seconds { get; set; }

    /// <summary>The execution provider the shard's worker used, with the reason.</summary>
    public string? Provider { get; set; }

    public int Length => End - Start;
}
