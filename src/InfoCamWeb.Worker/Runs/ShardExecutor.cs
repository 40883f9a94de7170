using System.Text.Json;
using InfoCamWeb.Core.Datasets;
using InfoCamWeb.Core.Evaluation;
using InfoCamWeb.Core.Imaging;
using InfoCamWeb.Core.Inference;
using InfoCamWeb.Core.Models;
using InfoCamWeb.Data;
using InfoCamWeb.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace InfoCamWeb.Worker.Runs;

/// <summary>
/// Executes one shard of a run inside the worker process: per-image outcomes are saved batch by batch, keyed by (run,
/// image), so a shard interrupted at any moment resumes from its last saved batch, on this worker or another, without
/// counting an image twice. The worker that completes a run's last shard computes the run's result.
/// </summary>
public sealed class ShardExecutor(
    IDbContextFactory<InfoCamDbContext> dbFactory, InfoCamPaths paths, RunContexts contexts, RunFinalizer finalizer,
    IOptions<WorkerSettings> settings, ILogger<ShardExecutor> log)
{
    private WorkerIdentity Me => settings.Value.Worker;

    /// <summary>
    /// Starts of a shard after which its run is failed instead of resumed: a safety net behind the supervisor, which fails
    /// a run once it has ended the worker abnormally <c>MaxWorkerEnds</c> times; restarts by the operator are not counted there.
    /// </summary>
    public const int MaxAttempts = 20;

    public async Task ExecuteAsync(int runId, int shard, CancellationToken shutdown)
    {
        if (!await ClaimAsync(runId, shard, shutdown))
        {
            log.LogInformation("Run {RunId} shard {Shard} is done, gone or executed by another live worker; nothing to do.", runId, shard);
            return;
        }
        log.LogInformation("Run {RunId} shard {Shard} claimed.", runId, shard);
        try
        {
            await SetWorkerAsync(WorkerState.Busy, runId, shard);
            var run = await StartAsync(runId, shard, shutdown);
            if (run is not null)
            {
                await ExecuteClaimedAsync(run, shard, shutdown);
            }
        }
        finally
        {
            await SetWorkerAsync(WorkerState.Idle, null, null);
        }
    }

    /// <summary>
    /// Takes the shard for this worker in one conditional update, so two workers never execute it at once: a queued shard,
    /// or a running one whose worker is this one, unknown, stopped or lost (no heartbeat for LostAfterSeconds).
    /// </summary>
    private async Task<bool> ClaimAsync(int runId, int shard, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var lostAfter = TimeSpan.FromSeconds(Math.Max(1, Me.LostAfterSeconds));
        var workers = await db.Workers.AsNoTracking().ToListAsync(ct);
        var now = DateTimeOffset.UtcNow;
        var live = workers.Where(w => w.Name != Me.ResolvedName && w.IsLive(now, lostAfter)).Select(w => w.Name).ToList();
        int claimed = await db.RunShards
            .Where(s => s.RunId == runId && s.Index == shard && (s.State == ShardState.Queued
                || (s.State == ShardState.Running && (s.WorkerName == null || !live.Contains(s.WorkerName)))))
            .ExecuteUpdateAsync(s => s
                .SetProperty(x => x.State, ShardState.Running).SetProperty(x => x.WorkerName, Me.ResolvedName)
                .SetProperty(x => x.StartedAt, now).SetProperty(x => x.HeartbeatAt, now).SetProperty(x => x.Attempts, x => x.Attempts + 1), ct);
        return claimed == 1;
    }

    private async Task SetWorkerAsync(WorkerState state, int? runId, int? shard)
    {
        await using var db = await dbFactory.CreateDbContextAsync();
        await db.Workers.Where(w => w.Name == Me.ResolvedName).ExecuteUpdateAsync(s => s
            .SetProperty(w => w.State, state).SetProperty(w => w.RunId, runId).SetProperty(w => w.Shard, shard).SetProperty(w => w.LastSeenAt, DateTimeOffset.UtcNow));
    }

    /// <summary>The run, marked running; null when there is nothing to execute (finished, cancelled, or started too often).</summary>
    private async Task<RunRecord?> StartAsync(int runId, int shard, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var run = await db.Runs.Include(r => r.Model).Include(r => r.Dataset).FirstOrDefaultAsync(r => r.Id == runId, ct);
        if (run is null || !run.IsActive) return null;
        var attempts = await db.RunShards.Where(s => s.RunId == runId && s.Index == shard).Select(s => s.Attempts).FirstAsync(ct);
        if (attempts > MaxAttempts)
        {
            (run.Status, run.FinishedAt) = (RunStatus.Failed, DateTimeOffset.UtcNow);
            run.Error = $"Shard {shard} of the run was started {attempts - 1} times without finishing; the run is not tried again.";
        }
        else if (run.CancelRequested)
        {
            (run.Status, run.FinishedAt) = (RunStatus.Cancelled, DateTimeOffset.UtcNow);
        }
        else
        {
            run.Status = RunStatus.Running;
            run.StartedAt ??= DateTimeOffset.UtcNow;
            run.HeartbeatAt = DateTimeOffset.UtcNow;
            run.Attempts++;
        }
        await db.SaveChangesAsync(ct);
        return run.Status == RunStatus.Running ? run : null;
    }

    private async Task ExecuteClaimedAsync(RunRecord run, int shardIndex, CancellationToken shutdown)
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(shutdown);
        // Each shard in an empty working folder of its own (the worker executes one shard at a time).
        var previousDirectory = Environment.CurrentDirectory;
        using var workingFolder = paths.NewWorkingFolder("runs");
        Environment.CurrentDirectory = workingFolder.Path;
        ShardProgress? progress = null;
        try
        {
            var context = contexts.For(run);
            var shard = await LoadShardAsync(run.Id, shardIndex, shutdown);
            var range = new ImageRange(shard.Start, Math.Min(shard.End, context.Evaluator.Images.Count));
            var completed = await LoadCompletedAsync(run.Id, range, shutdown);
            progress = new ShardProgress(dbFactory, Me.ResolvedName, run.Id, shardIndex, run.Methods, cancel);
            var result = await context.Evaluator.RunAsync(range, progress, progress.Add, completed, context.Engine, cancel.Token);
            progress.Flush(null);
            await CompleteShardAsync(run.Id, shardIndex, result);
            log.LogInformation("Run {RunId} shard {Shard} ({Range}) done: {Images} images in {Seconds:F2} s, {Saving:F2} s of it saving.",
                run.Id, shardIndex, range, result.Images, result.Seconds.Total, progress.SavingTime.TotalSeconds);
            await finalizer.TryFinalizeAsync(run, context.Evaluator);
        }
        catch (OperationCanceledException) when (progress?.RunEnded == true)
        {
            contexts.Drop();
            await FinishIfActiveAsync(run.Id, RunStatus.Cancelled, null);
        }
        catch (OperationCanceledException) when (shutdown.IsCancellationRequested)
        {
            contexts.Drop();
            log.LogInformation("Run {RunId} shard {Shard} interrupted by shutdown; it resumes from the last saved batch.", run.Id, shardIndex);
            throw;
        }
        catch (Exception ex)
        {
            contexts.Drop();
            await FinishIfActiveAsync(run.Id, RunStatus.Failed, FailureMessage(run.Id, ex), byModel: ex is ModelException or EvaluationException);
        }
        finally
        {
            Environment.CurrentDirectory = previousDirectory;
        }
    }

    private string FailureMessage(int runId, Exception ex)
    {
        if (ex is ModelException or DatasetException or EvaluationException or ImageDecodeException
            or ProviderUnavailableException or FormatException or IOException or UnauthorizedAccessException)
        {
            return ex is DatasetException dx && dx.TotalProblems > 1 ? $"{dx.TotalProblems} problems in the dataset; the first: {dx.Problems[0]}" : ex.Message;
        }
        log.LogError(ex, "Run {RunId} failed unexpectedly.", runId);
        return $"Internal error: {ex.GetType().Name}: {ex.Message}";
    }

    private async Task<RunShardRecord> LoadShardAsync(int runId, int shard, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.RunShards.AsNoTracking().FirstAsync(s => s.RunId == runId && s.Index == shard, ct);
    }

    private async Task<List<ImageOutcome>> LoadCompletedAsync(int runId, ImageRange range, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var blobs = await db.RunImages.Where(i => i.RunId == runId && i.Index >= range.Start && i.Index < range.End).Select(i => i.Outcome).ToListAsync(ct);
        return blobs.Select(OutcomeCodec.Decode).ToList();
    }

    /// <summary>Marks the shard done with what the run's result needs besides the outcomes: skipped images, seconds, provider.</summary>
    private async Task CompleteShardAsync(int runId, int shard, EvaluationResult result)
    {
        await using var db = await dbFactory.CreateDbContextAsync();
        var skipped = JsonSerializer.Serialize(result.SkippedImages);
        var seconds = JsonSerializer.Serialize(result.Seconds);
        await db.RunShards.Where(s => s.RunId == runId && s.Index == shard && s.WorkerName == Me.ResolvedName).ExecuteUpdateAsync(s => s
            .SetProperty(x => x.State, ShardState.Done).SetProperty(x => x.FinishedAt, DateTimeOffset.UtcNow).SetProperty(x => x.Skipped, skipped)
            .SetProperty(x => x.Seconds, seconds).SetProperty(x => x.Provider, result.Model.Provider));
    }

    /// <summary>Ends the run unless it ended already (another shard's worker may have failed or cancelled it first).</summary>
    private async Task FinishIfActiveAsync(int runId, RunStatus status, string? error, bool byModel = false)
    {
        await using var db = await dbFactory.CreateDbContextAsync();
        var now = DateTimeOffset.UtcNow;
        await db.Runs.Where(r => r.Id == runId && (r.Status == RunStatus.Queued || r.Status == RunStatus.Running))
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, status).SetProperty(r => r.Error, error).SetProperty(r => r.FinishedAt, now)
                .SetProperty(r => r.FailedByModel, byModel));
    }
}
