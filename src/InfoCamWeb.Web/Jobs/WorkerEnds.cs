using InfoCamWeb.Data.Entities;
using InfoCamWeb.Web.Extensions;

namespace InfoCamWeb.Web.Jobs;

/// <summary>
/// One rule for a run whose worker ended abnormally, whether the local worker crashed (supervisor) or a remote one was
/// lost (LostWorkers): the run is charged, and after <see cref="WorkerOptions.MaxWorkerEnds"/> charges it fails with
/// the cause instead of resuming.
/// </summary>
internal static class WorkerEnds
{
    /// <summary>Charges the run; true when it may resume, false when it was failed (its queued job deleted).</summary>
    public static bool Charge(RunRecord run, string cause, string ended, WorkerOptions o, RunQueue queue, ILogger log)
    {
        run.WorkerEnds++;
        if (run.WorkerEnds < Math.Max(1, o.MaxWorkerEnds))
        {
            log.LogWarning("Run {RunId} {Ended} its worker ({Ends} of {Max}); it resumes.", run.Id, ended, run.WorkerEnds, o.MaxWorkerEnds);
            return true;
        }
        (run.Status, run.FinishedAt) = (RunStatus.Failed, DateTimeOffset.UtcNow);
        run.Error = $"{cause} The run {ended} its worker {run.WorkerEnds} times; it is not tried again.";
        if (run.JobId is not null) queue.Delete(run.JobId);
        log.LogWarning("Run {RunId} failed: {Error}", run.Id, run.Error);
        return false;
    }
}
