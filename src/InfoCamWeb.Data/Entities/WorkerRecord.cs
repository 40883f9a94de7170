namespace InfoCamWeb.Data.Entities;

public enum WorkerState
{
    /// <summary>Registered and waiting for a run of its device.</summary>
    Idle,

    /// <summary>Executing a shard of <see cref="WorkerRecord.RunId"/>.</summary>
    Busy,

    /// <summary>Shut down cleanly.</summary>
    Stopped,
}

/// <summary>
/// A worker service that joined the queue (on this machine or another): it registers on start and keeps
/// <see cref="LastSeenAt"/> fresh; one whose heartbeat is older than the lost limit is shown as lost and its shard is
/// queued again for another worker.
/// </summary>
public sealed class WorkerRecord
{
    /// <summary>Unique name (configured, or machine-device-pid).</summary>
    public required string Name { get; set; }
    public string Machine { get; set; } = "";
    public string Device { get; set; } = "cpu";
    public int ProcessId { get; set; }

    /// <summary>The execution provider its last run actually used ("CPU", "CUDA"), with the reason.</summary>
    public string? Provider { get; set; }
    public WorkerState State { get; set; }
    public int? RunId { get; set; }

    /// <summary>The shard of <see cref="RunId"/> it executes (index in the run's shard list).</summary>
    public int? Shard { get; set; }
    public double ImagesPerSecond { get; set; }
    public DateTimeOffset StartedAt { get; set; }
    public DateTimeOffset LastSeenAt { get; set; }

    public bool IsLost(DateTimeOffset now, TimeSpan lostAfter) => State != WorkerState.Stopped && now - LastSeenAt > lostAfter;

    /// <summary>Running and heard from within the lost limit: it may hold shards and takes jobs.</summary>
    public bool IsLive(DateTimeOffset now, TimeSpan lostAfter) => State != WorkerState.Stopped && !IsLost(now, lostAfter);
}
