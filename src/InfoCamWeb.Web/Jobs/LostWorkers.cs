using InfoCamWeb.Data;
using InfoCamWeb.Data.Entities;
using InfoCamWeb.Web.Extensions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace InfoCamWeb.Web.Jobs;

/// <summary>
/// Queues again the shards of a worker on another machine whose heartbeat stopped (<c>InfoCam:Worker:LostAfterSeconds</c>):
/// each goes back to its device's resume queue and the next idle worker claims it and resumes from its saved outcomes
/// (keyed by run and image, so nothing is counted twice). Each loss is charged to the run like a crash; a run charged
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

    /// <summary>One pass: the shards of lost workers back to the queue. Returns how many were queued again.</summary>
    internal async Task<int> SweepAsync(CancellationToken ct)
    {
        var o = options.Value.Worker;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var now = clock.GetUtcNow();
        var lost = (await db.Workers.AsNoTracking().ToListAsync(ct))
            .Where(w => w.Name != o.LocalWorkerName && w.IsLost(now, TimeSpan.FromSeconds(Math.Max(1, o.LostAfterSeconds))))
            .Select(w => w.Name).ToList();
        if (lost.Count == 0) return 0;
        var orphans = await db.RunShards.Where(s => s.State == ShardState.Running && s.WorkerName != null && lost.Contains(s.WorkerName)).ToListAsync(ct);
        int requeued = 0;
        foreach (var group in orphans.GroupBy(s => s.RunId))
        {
            var run = await db.Runs.FirstAsync(r => r.Id == group.Key, ct);
            if (!run.IsActive) continue;
            var names = string.Join("', '", group.Select(s => s.WorkerName).Distinct());
            var cause = $"Worker '{names}' stopped sending its heartbeat (lost for more than {o.LostAfterSeconds} s).";
            var all = await db.RunShards.Where(s => s.RunId == run.Id).ToListAsync(ct);
            if (WorkerEnds.Charge(run, group.ToList(), all, cause, "lost", o, queue, log)) requeued += group.Count();
        }
        await db.SaveChangesAsync(ct);
        return requeued;
    }
}
