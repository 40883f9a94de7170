using System.Text.Json;
using InfoCamWeb.Core.Cams;
using InfoCamWeb.Core.Datasets;
using InfoCamWeb.Core.Evaluation;
using InfoCamWeb.Core.Imaging;
using InfoCamWeb.Core.Inference;
using InfoCamWeb.Core.Models;
using InfoCamWeb.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using InfoCamWeb.Data;
using InfoCamWeb.Data.Runs;

namespace InfoCamWeb.Worker.Runs;

/// <summary>
/// Executes one run inside the worker process: per-image outcomes are saved batch by batch, keyed by (run, image),
/// so a run interrupted at any moment resumes from the last saved batch without counting an image twice.
/// </summary>
public sealed class RunExecutor(IDbContextFactory<InfoCamDbContext> dbFactory, InfoCamPaths paths, IOptions<WorkerSettings> settings, ILogger<RunExecutor> log)
{
    private WorkerIdentity Me => settings.Value.Worker;

    /// <summary>
    /// Starts of a run after which it is failed instead of resumed: a safety net behind the supervisor, which fails a run
    /// once it has ended the worker abnormally <c>MaxWorkerEnds</c> times; restarts by the operator are not counted there.
    /// </summary>
    public const int MaxAttempts = 20;

    public async Task ExecuteAsync(int runId, CancellationToken shutdown)
    {
        if (!await ClaimAsync(runId, shutdown))
        {
            log.LogInformation("Run {RunId} is finished, gone or executed by another live worker; nothing to do.", runId);
            return;
        }
        try
        {
            await SetWorkerAsync(WorkerState.Busy, runId);
            await ExecuteClaimedAsync(runId, shutdown);
        }
        finally
        {
            await SetWorkerAsync(WorkerState.Idle, null);
        }
    }

    /// <summary>
    /// Takes the run for this worker in one conditional update, so two workers never execute it at once: a queued run,
    /// or a running one whose worker is this one, unknown, stopped or lost (no heartbeat for LostAfterSeconds).
    /// </summary>
    private async Task<bool> ClaimAsync(int runId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var now = DateTimeOffset.UtcNow;
        var lostAfter = TimeSpan.FromSeconds(Math.Max(1, Me.LostAfterSeconds));
        var live = (await db.Workers.AsNoTracking().ToListAsync(ct)).Where(w => w.Name != Me.ResolvedName && !w.IsLost(now, lostAfter) && w.State != WorkerState.Stopped)
            .Select(w => w.Name).ToList();
        int claimed = await db.Runs
            .Where(r => r.Id == runId && (r.Status == RunStatus.Queued || (r.Status == RunStatus.Running && (r.WorkerName == null || !live.Contains(r.WorkerName)))))
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.WorkerName, Me.ResolvedName), ct);
        return claimed == 1;
    }

    private async Task SetWorkerAsync(WorkerState state, int? runId)
    {
        await using var db = await dbFactory.CreateDbContextAsync();
        await db.Workers.Where(w => w.Name == Me.ResolvedName)
            .ExecuteUpdateAsync(s => s.SetProperty(w => w.State, state).SetProperty(w => w.RunId, runId).SetProperty(w => w.LastSeenAt, DateTimeOffset.UtcNow));
    }

    private async Task ExecuteClaimedAsync(int runId, CancellationToken shutdown)
    {
        RunRecord run;
        await using (var db = await dbFactory.CreateDbContextAsync(shutdown))
        {
            var found = await db.Runs.Include(r => r.Model).Include(r => r.Dataset).FirstOrDefaultAsync(r => r.Id == runId, shutdown);
            if (found is null || found.Status is RunStatus.Succeeded or RunStatus.Failed or RunStatus.Cancelled)
            {
                log.LogInformation("Run {RunId} is finished or gone; nothing to do.", runId);
                return;
            }
            run = found;
            if (run.Attempts >= MaxAttempts)
            {
                run.Status = RunStatus.Failed;
                run.Error = $"The run was started {run.Attempts} times without finishing; it is not tried again.";
                run.FinishedAt = DateTimeOffset.UtcNow;
                await db.SaveChangesAsync(shutdown);
                return;
            }
            if (run.CancelRequested)
            {
                run.Status = RunStatus.Cancelled;
                run.FinishedAt = DateTimeOffset.UtcNow;
                await db.SaveChangesAsync(shutdown);
                return;
            }
            run.Status = RunStatus.Running;
            run.StartedAt ??= DateTimeOffset.UtcNow;
            run.HeartbeatAt = DateTimeOffset.UtcNow;
            run.Attempts++;
            run.Error = null;
            await db.SaveChangesAsync(shutdown);
        }

        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(shutdown);
        bool cancelledByUser = false;
        // Each run in an empty working folder of its own (the worker runs one run at a time).
        var previousDirectory = Environment.CurrentDirectory;
        using var workingFolder = paths.NewWorkingFolder("runs");
        Environment.CurrentDirectory = workingFolder.Path;
        try
        {
            var model = run.Model!;
            var spec = RunSpec.FromJson(run.Spec); // every run has one: databases from before specs are refused at start
            var loaded = ModelLoader.Load(paths.Resolve(model.StoredPath), spec.Head);
            var dataset = DatasetLoader.Load(paths.FromStored(run.Dataset!.Folder));
            var settings = spec.Settings with { CudaDevice = Me.DeviceSpec.CudaDevice };
            var evaluator = new Evaluator(loaded, dataset, settings);
            var completed = await LoadCompletedAsync(runId, shutdown);
            var pending = new List<ImageOutcome>();
            var fixedHits = new long[settings.Methods.Count];
            foreach (var o in completed)
            {
                for (int m = 0; m < fixedHits.Length; m++) if (o.Methods[m].FixedIoU >= 0.5) fixedHits[m]++;
            }
            int done = completed.Count;

            void Flush(EvaluationProgress? p)
            {
                using var db = dbFactory.CreateDbContext();
                var existing = pending.Count == 0 ? new HashSet<int>() : db.RunImages.Where(i => i.RunId == runId && pending.Select(o => o.Index).Contains(i.Index))
                    .Select(i => i.Index).ToHashSet();
                foreach (var o in pending)
                {
                    if (existing.Contains(o.Index)) continue;
                    db.RunImages.Add(new RunImageRecord
                    {
                        RunId = runId,
                        Index = o.Index,
                        ImageId = o.ImageId,
                        TrueClass = o.TrueClass,
                        PredictedClass = o.PredictedClass,
                        IoU0 = o.Methods.Length > 0 ? o.Methods[0].FixedIoU : 0,
                        IoU1 = o.Methods.Length > 1 ? o.Methods[1].FixedIoU : 0,
                        IoU2 = o.Methods.Length > 2 ? o.Methods[2].FixedIoU : 0,
                        Outcome = OutcomeCodec.Encode(o),
                        Maps = o.Maps.Length > 0 ? ScoreMapCodec.Encode(o.Maps) : null,
                    });
                    for (int m = 0; m < fixedHits.Length; m++) if (o.Methods[m].FixedIoU >= 0.5) fixedHits[m]++;
                    done++;
                }
                pending.Clear();
                var r = db.Runs.First(x => x.Id == runId);
                r.ImagesDone = done;
                r.ImagesTotal = evaluator.Images.Count;
                if (p is not null)
                {
                    r.ImagesPerSecond = p.ImagesPerSecond;
                    r.ProviderUsed = p.Provider;
                    db.Workers.Where(w => w.Name == Me.ResolvedName).ExecuteUpdate(s => s
                        .SetProperty(w => w.ImagesPerSecond, p.ImagesPerSecond).SetProperty(w => w.Provider, p.Provider));
                }
                r.HeartbeatAt = DateTimeOffset.UtcNow;
                var running = new Dictionary<string, double>();
                for (int m = 0; m < fixedHits.Length; m++)
                {
                    running[settings.Methods[m].Key()] = done == 0 ? 0 : 100.0 * fixedHits[m] / done;
                }
                r.RunningMetrics = JsonSerializer.Serialize(running);
                db.SaveChanges();
                if (r.CancelRequested)
                {
                    cancelledByUser = true;
                    cancel.Cancel();
                }
            }

            Flush(null);
            var progress = new InlineProgress<EvaluationProgress>(Flush);
            var result = await evaluator.RunAsync(progress, pending.Add, completed, cancel.Token);
            Flush(null);
            await using var final = await dbFactory.CreateDbContextAsync(CancellationToken.None);
            var record = await final.Runs.FirstAsync(x => x.Id == runId, CancellationToken.None);
            record.ResultJson = ResultFiles.ToJson(result with { Model = result.Model with { Path = run.Model!.Name }, Dataset = result.Dataset with { Path = run.Dataset!.Name } });
            record.ProviderUsed = result.Model.Provider;
            record.Status = RunStatus.Succeeded;
            record.FinishedAt = DateTimeOffset.UtcNow;
            record.ImagesDone = result.Images;
            await final.SaveChangesAsync(CancellationToken.None);
            log.LogInformation("Run {RunId} finished: {Images} images.", runId, result.Images);
        }
        catch (OperationCanceledException) when (cancelledByUser)
        {
            await FinishAsync(runId, RunStatus.Cancelled, null);
        }
        catch (OperationCanceledException) when (shutdown.IsCancellationRequested)
        {
            log.LogInformation("Run {RunId} interrupted by shutdown; it resumes from the last saved batch.", runId);
            throw;
        }
        catch (Exception ex) when (ex is ModelException or DatasetException or EvaluationException or ImageDecodeException
                                       or ProviderUnavailableException or FormatException or IOException or UnauthorizedAccessException)
        {
            var message = ex is DatasetException dx && dx.TotalProblems > 1
                ? $"{dx.TotalProblems} problems in the dataset; the first: {dx.Problems[0]}"
                : ex.Message;
            await FinishAsync(runId, RunStatus.Failed, message);
        }
        catch (Exception ex)
        {
            log.LogError(ex, "Run {RunId} failed unexpectedly.", runId);
            await FinishAsync(runId, RunStatus.Failed, $"Internal error: {ex.GetType().Name}: {ex.Message}");
        }
        finally
        {
            Environment.CurrentDirectory = previousDirectory;
        }
    }

    private async Task<List<ImageOutcome>> LoadCompletedAsync(int runId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var blobs = await db.RunImages.Where(i => i.RunId == runId).Select(i => i.Outcome).ToListAsync(ct);
        return blobs.Select(OutcomeCodec.Decode).ToList();
    }

    private async Task FinishAsync(int runId, RunStatus status, string? error)
    {
        await using var db = await dbFactory.CreateDbContextAsync();
        var r = await db.Runs.FirstAsync(x => x.Id == runId);
        r.Status = status;
        r.Error = error;
        r.FinishedAt = DateTimeOffset.UtcNow;
        await db.SaveChangesAsync();
    }

    private sealed class InlineProgress<T>(Action<T> action) : IProgress<T>
    {
        public void Report(T value) => action(value);
    }
}
