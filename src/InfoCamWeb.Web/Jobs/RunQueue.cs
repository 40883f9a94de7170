using Hangfire;
using Hangfire.States;
using InfoCamWeb.Data.Entities;
using InfoCamWeb.Data.Runs;

namespace InfoCamWeb.Web.Jobs;

/// <summary>Puts shards and result computations on a device queue of the job engine (Hangfire); workers of that device take them.</summary>
public sealed class RunQueue(IBackgroundJobClient client, JobStorage storage)
{
    /// <summary>The Hangfire server processing the job (its id starts with the worker's name); null when it is not processing.</summary>
    public string? ProcessingServer(string jobId)
    {
        using var connection = storage.GetConnection();
        var state = connection.GetStateData(jobId);
        return state?.Name == Hangfire.States.ProcessingState.StateName && state.Data.TryGetValue("ServerId", out var server) ? server : null;
    }

    /// <summary>The job's state name in the job storage (Enqueued, Processing, Succeeded, ...); null when it is gone.</summary>
    public string? StateOf(string jobId) => StatesOf([jobId])[jobId];

    /// <summary>The states of several jobs, read over one storage connection.</summary>
    public Dictionary<string, string?> StatesOf(IEnumerable<string> jobIds)
    {
        using var connection = storage.GetConnection();
        return jobIds.Distinct().ToDictionary(id => id, id => connection.GetJobData(id)?.State);
    }

    public string EnqueueShard(int runId, int shard, string queue) =>
        client.Create<IRunJob>(j => j.Execute(runId, shard, CancellationToken.None), new EnqueuedState(queue));

    public string EnqueueFinalize(int runId, string queue) =>
        client.Create<IRunJob>(j => j.Finalize(runId, CancellationToken.None), new EnqueuedState(queue));

    /// <summary>Queues the shard again on its device's resume queue (taken before new shards), replacing any job it had.</summary>
    public void Requeue(RunShardRecord shard, string device)
    {
        if (shard.JobId is not null) client.Delete(shard.JobId);
        (shard.State, shard.JobId) = (ShardState.Queued, EnqueueShard(shard.RunId, shard.Index, Data.Jobs.ResumeQueue(device)));
    }

    /// <summary>Takes the shards' waiting jobs off the queue (a cancelled or failed run).</summary>
    public void DeleteWaiting(IEnumerable<RunShardRecord> shards)
    {
        foreach (var s in shards.Where(s => s.State == ShardState.Queued && s.JobId is not null))
        {
            client.Delete(s.JobId!);
            s.JobId = null;
        }
    }
}
