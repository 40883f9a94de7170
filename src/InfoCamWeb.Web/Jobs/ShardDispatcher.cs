using InfoCamWeb.Core.Inference;
using InfoCamWeb.Data;
using InfoCamWeb.Data.Entities;
using InfoCamWeb.Web.Extensions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace InfoCamWeb.Web.Jobs;

/// <summary>
/// Gives shards to the job queue of their device, a few at a time (<see cref="ShardOptions.QueuedPerWorker"/> per live
/// worker of the device), in the order <see cref="ShardScheduler"/> decides, so shards of different teams' runs interleave.
/// Also queues the result computation of a run whose shards are all done but whose last worker was lost before storing it.
/// </summary>
public sealed class ShardDispatcher(
    IDbContextFactory<InfoCamDbContext> dbFactory, IOptions<InfoCamOptions> options, RunQueue queue, TimeProvider clock, ILogger<ShardDispatcher> log)
    : BackgroundService
{
    private readonly SemaphoreSlim _wake = new(0);

    /// <summary>How often the queues are topped up (workers on other machines cannot wake the dispatcher).</summary>
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(500);

    /// <summary>Dispatches at once rather than at the next tick (a run was created, a shard finished, a worker joined).</summary>
    public void Wake()
    {
        if (_wake.CurrentCount == 0) _wake.Release();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await DispatchAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                log.LogWarning("Dispatching shards failed ({Message}); retrying.", ex.Message);
            }
            await _wake.WaitAsync(Tick, stoppingToken);
        }
    }

    /// <summary>One pass over every device queue that has active runs. Returns how many jobs were queued.</summary>
    public async Task<int> DispatchAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var runs = await db.Runs.AsNoTracking().Where(r => (r.Status == RunStatus.Queued || r.Status == RunStatus.Running) && !r.CancelRequested)
            .Select(r => new { r.Id, r.TeamId, r.QueuedAt, r.Device, r.Status, r.HeartbeatAt }).ToListAsync(ct);
        if (runs.Count == 0) return 0;
        var ids = runs.Select(r => r.Id).ToList();
        var shards = await db.RunShards.Where(s => ids.Contains(s.RunId)).ToListAsync(ct);
        ReleaseEndedJobs(shards);
        var workers = await LiveWorkersByQueueAsync(db, ct);
        int queued = 0;
        foreach (var device in runs.GroupBy(r => r.Device))
        {
            var demands = device.Select(r =>
            {
                var mine = shards.Where(s => s.RunId == r.Id).ToList();
                return new RunDemand(r.Id, r.TeamId, r.QueuedAt,
                    mine.Where(s => s.State == ShardState.Queued && s.JobId is null).Select(s => s.Index).Order().ToList(),
                    mine.Count(s => s.State == ShardState.Running || (s.State == ShardState.Queued && s.JobId is not null)));
            }).ToList();
            int waitingInQueue = shards.Count(s => s.State == ShardState.Queued && s.JobId is not null && device.Any(r => r.Id == s.RunId));
            int depth = Math.Max(1, workers.GetValueOrDefault(device.Key)) * Math.Max(1, options.Value.Shards.QueuedPerWorker);
            foreach (var (runId, index) in ShardScheduler.Next(demands, depth - waitingInQueue))
            {
                shards.First(s => s.RunId == runId && s.Index == index).JobId = queue.EnqueueShard(runId, index, device.Key);
                queued++;
            }
        }
        await db.SaveChangesAsync(ct);
        return queued + await QueueLostResultsAsync(db, runs.Where(r => r.Status == RunStatus.Running).Select(r => (r.Id, r.Device, r.HeartbeatAt)), shards, ct);
    }

    /// <summary>
    /// A waiting shard whose job has ended without the shard being claimed (the job failed its retries, was deleted, or
    /// found the shard held by a worker that was then lost) is given to the queue again.
    /// </summary>
    private static readonly HashSet<string> EndedStates =
        [Hangfire.States.SucceededState.StateName, Hangfire.States.FailedState.StateName, Hangfire.States.DeletedState.StateName];

    private void ReleaseEndedJobs(List<RunShardRecord> shards)
    {
        var waiting = shards.Where(s => s.State == ShardState.Queued && s.JobId is not null).ToList();
        var states = queue.StatesOf(waiting.Select(s => s.JobId!));
        foreach (var shard in waiting)
        {
            var state = states[shard.JobId!];
            if (state is null || EndedStates.Contains(state))
            {
                log.LogInformation("Run {RunId} shard {Shard}: its job ended ({State}) before the shard ran; queued again.", shard.RunId, shard.Index, state ?? "gone");
                shard.JobId = null;
            }
        }
    }

    private async Task<Dictionary<string, int>> LiveWorkersByQueueAsync(InfoCamDbContext db, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var lostAfter = TimeSpan.FromSeconds(Math.Max(1, options.Value.Worker.LostAfterSeconds));
        var live = (await db.Workers.AsNoTracking().ToListAsync(ct)).Where(w => w.IsLive(now, lostAfter));
        return live.Select(w => DeviceSpec.TryParse(w.Device, out var spec) ? spec.Queue : null).OfType<string>()
            .GroupBy(q => q).ToDictionary(g => g.Key, g => g.Count());
    }

    /// <summary>
    /// A running run whose shards are all done and which has shown no progress for the lost limit: the worker that was to
    /// store its result is gone. Its result is computed by the next worker of its device (resume queue).
    /// </summary>
    private async Task<int> QueueLostResultsAsync(
        InfoCamDbContext db, IEnumerable<(int Id, string Device, DateTimeOffset? HeartbeatAt)> running, List<RunShardRecord> shards, CancellationToken ct)
    {
        var limit = clock.GetUtcNow().AddSeconds(-Math.Max(1, options.Value.Worker.LostAfterSeconds));
        int queued = 0;
        foreach (var run in running.Where(r => r.HeartbeatAt is null || r.HeartbeatAt < limit))
        {
            var mine = shards.Where(s => s.RunId == run.Id).ToList();
            if (mine.Count == 0 || mine.Any(s => s.State != ShardState.Done)) continue;
            queue.EnqueueFinalize(run.Id, Data.Jobs.ResumeQueue(run.Device));
            await db.Runs.Where(r => r.Id == run.Id).ExecuteUpdateAsync(s => s.SetProperty(r => r.HeartbeatAt, clock.GetUtcNow()), ct);
            log.LogWarning("Run {RunId} has all its shards done but no result; its result is queued for the next worker.", run.Id);
            queued++;
        }
        return queued;
    }
}
