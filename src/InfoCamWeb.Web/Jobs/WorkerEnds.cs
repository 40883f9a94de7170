using InfoCamWeb.Data.Entities;
using InfoCamWeb.Web.Extensions;

namespace InfoCamWeb.Web.Jobs;

/// <summary>
/// One rule for a run whose worker ended abnormally, whether the local worker crashed (supervisor) or a remote one was
/// lost (LostWorkers): the run is charged once per end, and after <see cref="WorkerOptions.MaxWorkerEnds"/> charges it
/// fails with the cause instead of resuming; otherwise the interrupted shards go back to the resume queue.
/// </summary>
internal static class WorkerEnds
{
    /// <summary>
    /// Charges the run for its <paramref name="interrupted"/> shards; true when they were queued again, false when the run
    /// was failed (and its other waiting shards taken off the queue).
    /// </summary>
    public static bool Charge(RunRecord run, IReadOnlyList<RunShardRecord> interrupted, IReadOnlyList<RunShardRecord> all, string cause, string ended,
        WorkerOptions o, RunQueue queue, ILogger log, bool byModel = false)
    {
        run.WorkerEnds++;
        if (run.WorkerEnds < Math.Max(1, o.MaxWorkerEnds))
        {
            foreach (var shard in interrupted) queue.Requeue(shard, run.Device);
            log.LogWarning("Run {RunId} {Ended} its worker ({Ends} of {Max}); shard(s) {Shards} resume.", run.Id, ended, run.WorkerEnds, o.MaxWorkerEnds,
                string.Join(", ", interrupted.Select(s => s.Index)));
            return true;
        }
        (run.Status, run.FinishedAt, run.FailedByModel) = (RunStatus.Failed, DateTimeOffset.UtcNow, byModel);
        run.Error = $"{cause} The run {ended} its worker {run.WorkerEnds} times; it is not tried again.";
        queue.DeleteWaiting(all);
        log.LogWarning("Run {RunId} failed: {Error}", run.Id, run.Error);
        return false;
    }
}
