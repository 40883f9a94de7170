using InfoCamWeb.Data;
using InfoCamWeb.Data.Entities;
using InfoCamWeb.Web.Extensions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace InfoCamWeb.Web.Jobs;

/// <summary>
/// Queues again the run of a worker on another machine whose heartbeat stopped (<c>InfoCam:Worker:LostAfterSeconds</c>):
/// the run goes back to its device's resume queue and the next idle worker claims it and resumes from its saved
/// outcomes (keyed by run and image, so nothing is counted twice). Each loss is charged like a crash; a run charged
/// <c>MaxWorkerEnds</c> times fails with the cause. The local worker is the supervisor's.
/// </summary>
internal sealed class LostWorkers(
    IDbContextFactory<InfoCamDbContext> dbFactory, IOptions<InfoCamOptions> options, RunQueue queue, TimeProvider clock, ILogger<LostWorkers> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value.Worker;
        var period = TimeSpan.FromSeconds(Math.Clamp(o.LostAfterSeconds / 4.0, 1, 15));
        using var timer = new PeriodicTimer(period);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await SweepAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                log.LogWarning("Looking for lost workers failed ({Message}); retrying.", ex.Message);
            }
        }
    }

    /// <summary>One pass: the runs of lost workers back to the queue. Returns how many were queued again.</summary>
    internal async Task<int> SweepAsync(CancellationToken ct)
    {
        var o = options.Value.Worker;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var now = clock.GetUtcNow();
        var lost = (await db.Workers.AsNoTracking().ToListAsync(ct))
            .Where(w => w.Name != o.LocalWorkerName && w.IsLost(now, TimeSpan.FromSeconds(Math.Max(1, o.LostAfterSeconds))))
            .Select(w => w.Name).ToList();
        if (lost.Count == 0) return 0;
        var orphans = await db.Runs.Where(r => r.Status == RunStatus.Running && r.WorkerName != null && lost.Contains(r.WorkerName)).ToListAsync(ct);
        foreach (var run in orphans) Requeue(run, o);
        await db.SaveChangesAsync(ct);
        return orphans.Count;
    }

    private void Requeue(RunRecord run, WorkerOptions o)
    {
        var cause = $"Worker '{run.WorkerName}' stopped sending its heartbeat (lost for more than {o.LostAfterSeconds} s).";
        if (!WorkerEnds.Charge(run, cause, "lost", o, queue, log)) return;
        if (run.JobId is not null) queue.Delete(run.JobId);
        (run.Status, run.WorkerName) = (RunStatus.Queued, null);
        run.JobId = queue.Enqueue(run.Id, InfoCamWeb.Data.Jobs.ResumeQueue(run.Device));
        log.LogWarning("{Cause} Run {RunId} is queued again to resume on another worker.", cause, run.Id);
    }
}
