using System.Globalization;
using InfoCamWeb.Core.Cams;
using InfoCamWeb.Core.Evaluation;
using InfoCamWeb.Core.Imaging;
using InfoCamWeb.Core.Inference;
using InfoCamWeb.Data;
using InfoCamWeb.Data.Runs;
using InfoCamWeb.Data.Entities;
using InfoCamWeb.Web.Extensions;
using InfoCamWeb.Web.Jobs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace InfoCamWeb.Web.Features.Runs;

/// <summary>What the "New run" form asks for.</summary>
public sealed class RunRequest
{
    public int ModelId { get; set; }
    public int DatasetId { get; set; }
    public string Split { get; set; } = "test";
    public HashSet<string> Methods { get; set; } = ["cam", "infocam", "infocam+"];
    public string Protocol { get; set; } = "resize224";
    public double CamThreshold { get; set; } = 0.2;
    public double ThresholdStep { get; set; } = 0.01;
    public int Window { get; set; } = 4;
    /// <summary>Images per inference batch; null: chosen for the worker's device.</summary>
    public int? BatchSize { get; set; }
    public string Provider { get; set; } = "auto";
    public bool SkipBadImages { get; set; }

    /// <summary>Let CUDA use TF32 (faster on Ampere and newer GPUs, not exact); off by default.</summary>
    public bool AllowTf32 { get; set; }

    /// <summary>Score-CAM's channel cap (null: every channel).</summary>
    public int? ScoreCamChannels { get; set; }

    /// <summary>MaxBoxAccV2's IoU list in percent (wsolevaluation's iou_threshold_list).</summary>
    public List<int>? IouThresholds { get; set; } = [.. MultiIoUs.Default];
}

public sealed record RunCreation(int? RunId, ServiceError? Error)
{
    /// <summary>What Score-CAM adds to the run (<see cref="ScoreCam.CostText"/>); null when the run has no Score-CAM.</summary>
    public string? ScoreCamCost { get; init; }
}

/// <summary>What a benchmark phase adds to a run: its part of the split, what of the ground truth stays hidden, and until when the scores do.</summary>
public sealed record RunTerms(Core.Datasets.ImageSubset Subset, GroundTruthHiding Concealment, DateTimeOffset? ScoresHiddenUntil);

/// <summary>A dataset against a model's outputs: why it cannot run (file and line), or how many of the model's classes it uses.</summary>
public sealed record ClassFit(string? Refusal, string? Usage);

/// <summary>Runs: create (validated before anything is queued), list, cancel, results.</summary>

public sealed class RunService(IDbContextFactory<InfoCamDbContext> dbFactory, RunQueue queue, Jobs.ShardDispatcher dispatcher, RunNotifier notifier, IOptions<InfoCamOptions> options, Datasets.DatasetAnnotations annotations)
{
    public async Task<List<RunRecord>> ListAsync(Actor actor, int take = 200, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var runs = await db.Runs.AsNoTracking().Include(r => r.Model).Include(r => r.Dataset).Include(r => r.Team).Visible(actor).ToListAsync(ct);
        return runs.OrderByDescending(r => r.QueuedAt).Take(take).Select(r => Benchmarks.GroundTruthPolicy.Apply(actor, r)).ToList();
    }

    /// <summary>The run when the actor may see it, as <see cref="Benchmarks.GroundTruthPolicy"/> lets them (a submission's result without what reveals hidden ground truth); null otherwise.</summary>
    public async Task<RunRecord?> GetAsync(Actor actor, int id, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var run = await db.Runs.AsNoTracking().Include(r => r.Model).Include(r => r.Dataset).Include(r => r.Team).FirstOrDefaultAsync(r => r.Id == id, ct);
        return run is not null && AccessRules.CanReadRun(actor, run, run.Team!.IsBuiltIn, run.Dataset!.TeamId) ? Benchmarks.GroundTruthPolicy.Apply(actor, run) : null;
    }

    /// <summary>Deletes a finished run with its per-image results and share links (members of its team; not while it runs).</summary>
    public async Task<string?> DeleteAsync(Actor actor, int id, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var run = await db.Runs.FirstOrDefaultAsync(r => r.Id == id, ct);
        if (run is null || !AccessRules.CanModify(actor, run.TeamId)) return "The run does not exist or belongs to another team.";
        if (run.IsActive) return "Cancel the run before deleting it.";
        if (await db.Submissions.AnyAsync(x => x.RunId == id, ct)) return "The run is a benchmark submission: it stays with its phase's board.";
        await db.RunImages.Where(i => i.RunId == id).ExecuteDeleteAsync(ct);
        await db.ShareLinks.Where(l => l.RunId == id).ExecuteDeleteAsync(ct);
        db.Runs.Remove(run);
        await db.SaveChangesAsync(ct);
        notifier.Notify(id);
        return null;
    }

    /// <summary>Publishes a finished run to its leaderboard (or takes it off); members of its team only.</summary>
    public async Task<ServiceError?> PublishAsync(Actor actor, int id, bool publish, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var run = await db.Runs.FirstOrDefaultAsync(r => r.Id == id, ct);
        if (run is null || !AccessRules.CanModify(actor, run.TeamId)) return ServiceError.NotFound("The run does not exist or belongs to another team.");
        if (publish && run.Status != RunStatus.Succeeded) return "Only a finished run can be published.";
        if (publish && (run.Concealment != GroundTruthHiding.None || run.ScoresHiddenUntil is not null))
        {
            return "The run is a submission to a benchmark with hidden ground truth: it is ranked on its phase's board only.";
        }
        if (publish && await db.Benchmarks.AnyAsync(b => b.DatasetId == run.DatasetId && b.HiddenGroundTruth, ct))
        {
            return "The dataset is a benchmark's hidden ground truth: its runs are not published to its leaderboard (per-image results could be compared there).";
        }
        run.Published = publish;
        run.PublishedAt = publish ? DateTimeOffset.UtcNow : null;
        await db.SaveChangesAsync(ct);
        notifier.Notify(id);
        return null;
    }

    /// <summary>Starts a run for the actor's active team with a model and a dataset the actor may use.</summary>
    public Task<RunCreation> CreateAsync(Actor actor, RunRequest request, CancellationToken ct = default)
    {
        if (!actor.IsSignedIn) return Task.FromResult(new RunCreation(null, ServiceError.NoTeam("Sign in to start a run.")));
        if (actor.ActiveTeamId is null) return Task.FromResult(new RunCreation(null, ServiceError.NoTeam("Create or join a team first: runs belong to a team.")));
        return CreateWithQuotaAsync(actor, actor.ActiveTeamId.Value, request, ct);
    }

    private async Task<RunCreation> CreateWithQuotaAsync(Actor actor, int teamId, RunRequest request, CancellationToken ct)
    {
        try
        {
            return await CreateWithQuotaCoreAsync(actor, teamId, request, ct);
        }
        catch (Exception ex) when (InfoCamDbContext.IsBusy(ex))
        {
            return new RunCreation(null, InfoCamDbContext.BusyMessage);
        }
    }

    private async Task<RunCreation> CreateWithQuotaCoreAsync(Actor actor, int teamId, RunRequest request, CancellationToken ct)
    {
        var q = options.Value.Quotas;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            int active = await db.Runs.CountAsync(r => r.TeamId == teamId && (r.Status == RunStatus.Queued || r.Status == RunStatus.Running), ct);
            if (active >= q.ConcurrentRunsPerTeam)
            {
                return new RunCreation(null, ServiceError.Quota($"Quota: your team has {active} runs queued or running (at most {q.ConcurrentRunsPerTeam}); wait for one to finish."));
            }
            var since = DateTimeOffset.UtcNow.AddDays(-1);
            var recent = await db.Runs.Where(r => r.TeamId == teamId).Select(r => r.QueuedAt).ToListAsync(ct);
            if (recent.Count(t => t > since) >= q.RunsPerTeamPerDay)
            {
                return new RunCreation(null, ServiceError.Quota($"Quota: your team started {q.RunsPerTeamPerDay} runs in the last 24 hours, the daily limit."));
            }
        }
        return await CreateForTeamAsync(actor, teamId, request, ct);
    }

    /// <summary>The request's text fields parsed once, into the engine's settings (methods in the canonical order).</summary>
    private static EvaluationSettings SettingsOf(RunRequest request)
    {
        var methods = CamMethods.ParseList(string.Join(",", request.Methods));
        return new EvaluationSettings
        {
            Split = Core.Datasets.Dataset.ParseSplit(request.Split),
            Methods = CamMethods.Every.Where(methods.Contains).ToList(),
            Protocol = Preprocessor.ParseProtocol(request.Protocol),
            CamThreshold = request.CamThreshold,
            ThresholdStep = request.ThresholdStep,
            Window = request.Window,
            BatchSize = request.BatchSize,
            Provider = ExecutionProviders.Parse(request.Provider),
            SkipBadImages = request.SkipBadImages,
            AllowTf32 = request.AllowTf32,
            ScoreCamChannels = request.ScoreCamChannels,
            MultiIoUs = (request.IouThresholds ?? [.. MultiIoUs.Default]).Distinct().Order().ToList(),
        };
    }

    internal async Task<RunCreation> CreateForTeamAsync(Actor? actor, int teamId, RunRequest request, CancellationToken ct = default, RunTerms? terms = null)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var model = await db.Models.Include(m => m.Team).FirstOrDefaultAsync(m => m.Id == request.ModelId, ct);
        var dataset = await db.Datasets.Include(d => d.Team).FirstOrDefaultAsync(d => d.Id == request.DatasetId, ct);
        if (model is null || (actor is not null && !AccessRules.CanRead(actor, model.TeamId, model.Team!.IsBuiltIn))) return new RunCreation(null, "Choose a model.");
        if (dataset is null || (actor is not null && !AccessRules.CanRead(actor, dataset.TeamId, dataset.Team!.IsBuiltIn))) return new RunCreation(null, "Choose a dataset.");
        if (terms is null && teamId != dataset.TeamId && await db.Benchmarks.AnyAsync(b => b.DatasetId == dataset.Id && b.HiddenGroundTruth, ct))
        {
            return new RunCreation(null, $"'{dataset.Name}' is a benchmark's hidden ground truth: only its own team runs on it directly; others submit to the benchmark.");
        }
        // A label can pass the model's outputs only when the dataset names more classes than the model has.
        if (dataset.Classes > model.Classes && ClassCounts.Refusal(model.Classes, await annotations.GetAsync(dataset, ct)) is { } refusal)
        {
            return new RunCreation(null, refusal);
        }
        RunSpec spec;
        try
        {
            spec = RunSpec.Create(SettingsOf(request) with { Subset = terms?.Subset is { IsWhole: false } part ? part : null }, model);
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException)
        {
            return new RunCreation(null, ex.Message);
        }
        var settings = spec.Settings;
        if (dataset.Masks > 0 && settings.Protocol != Core.Imaging.EvaluationProtocol.Resize224)
        {
            return new RunCreation(null, $"'{dataset.Name}' has mask ground truth: it is evaluated with the resize224 protocol, as wsolevaluation does (resize256crop224 would crop the masks).");
        }
        int images = settings.Subset is not null ? settings.ImagesOf(await annotations.GetAsync(dataset, ct)).Count : settings.Split switch
        {
            Core.Datasets.DatasetSplit.Train => dataset.TrainImages,
            Core.Datasets.DatasetSplit.All => dataset.Images,
            // Datasets registered before the val split was counted have no stored count: from the annotations then.
            Core.Datasets.DatasetSplit.Val => dataset.ValImages ?? annotations.Get(dataset).Select(Core.Datasets.DatasetSplit.Val).Count,
            _ => dataset.TestImages,
        };
        if (images == 0)
        {
            return new RunCreation(null, $"The {settings.Split.ToString().ToLowerInvariant()} split of '{dataset.Name}' has no images{(settings.Subset is { } part ? $" in {part}" : "")}.");
        }
        var run = new RunRecord
        {
            ModelId = model.Id,
            DatasetId = dataset.Id,
            TeamId = teamId,
            CreatedByUserId = actor?.UserId,
            Spec = spec.ToJson(),
            Split = settings.Split.ToString().ToLowerInvariant(),
            Methods = string.Join(",", settings.Methods.Select(m => m.Key())),
            Protocol = settings.Protocol.Key(),
            CamThreshold = settings.CamThreshold,
            ThresholdStep = settings.ThresholdStep,
            Window = settings.Window,
            BatchSize = settings.BatchSize ?? 0,
            ProviderRequested = settings.Provider.ToString().ToLowerInvariant(),
            SkipBadImages = settings.SkipBadImages,
            Device = options.Value.Worker.Queue,
            Status = RunStatus.Queued,
            QueuedAt = DateTimeOffset.UtcNow,
            ImagesTotal = images,
            Concealment = terms?.Concealment ?? GroundTruthHiding.None,
            ScoresHiddenUntil = terms?.ScoresHiddenUntil,
        };
        db.Runs.Add(run);
        await db.SaveChangesAsync(ct);
        db.RunShards.AddRange(ImageRange.Split(images, Math.Max(1, options.Value.Shards.Size))
            .Select((range, i) => new RunShardRecord { RunId = run.Id, Index = i, Start = range.Start, End = range.End }));
        await db.SaveChangesAsync(ct);
        dispatcher.Wake();
        notifier.Notify(run.Id);
        return new RunCreation(run.Id, null)
        {
            ScoreCamCost = settings.Methods.Contains(CamMethod.ScoreCam) ? ScoreCam.CostText(images, model.Channels, settings.ScoreCamChannels) : null,
        };
    }

    /// <summary>How a dataset's classes fit a model with <paramref name="modelClasses"/> outputs, for the run form.</summary>
    public async Task<ClassFit> ClassFitAsync(int modelClasses, DatasetRecord dataset, string split, CancellationToken ct = default)
    {
        var loaded = await annotations.GetAsync(dataset, ct);
        if (ClassCounts.Refusal(modelClasses, loaded) is { } refusal)
        {
            return new ClassFit(refusal, null);
        }
        var chosen = Core.Datasets.Dataset.ParseSplit(split);
        return new ClassFit(null, $"The {split} split {ClassCounts.Usage(loaded.ClassesUsed(chosen), modelClasses)}.");
    }

    /// <summary>Cancels a queued run at once, or asks the workers of a running one to stop after their current batch.</summary>
    public async Task<string?> CancelAsync(Actor actor, int id, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var run = await db.Runs.FirstOrDefaultAsync(r => r.Id == id, ct);
        if (run is null || !AccessRules.CanModify(actor, run.TeamId)) return "The run does not exist or belongs to another team.";
        if (!run.IsActive) return $"The run is already {run.Status.ToString().ToLowerInvariant()}.";
        if (await db.Submissions.AnyAsync(x => x.RunId == id, ct)) return "The run is a benchmark submission: it runs to its end (its entry counts by the phase's rule).";
        run.CancelRequested = true;
        queue.DeleteWaiting(await db.RunShards.Where(s => s.RunId == id).ToListAsync(ct));
        // Queued, or running but between shards (none in flight: the dispatcher gives a cancelled run no more, so no worker
        // would ever see the request): cancelled at once.
        if (run.Status == RunStatus.Queued || !await db.RunShards.AnyAsync(x => x.RunId == id && x.State == ShardState.Running, ct))
        {
            run.Status = RunStatus.Cancelled;
            run.FinishedAt = DateTimeOffset.UtcNow;
        }
        await db.SaveChangesAsync(ct);
        notifier.Notify(id);
        return null;
    }

    /// <summary>The shards of a run the caller has already read (through <see cref="GetAsync"/>), in split order.</summary>
    public async Task<List<RunShardRecord>> ShardsAsync(int runId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.RunShards.AsNoTracking().Where(s => s.RunId == runId).OrderBy(s => s.Index).ToListAsync(ct);
    }

    /// <summary>The run's saved images per class (model output index), for a run the caller has already read.</summary>
    public async Task<Dictionary<int, int>> ImagesPerClassAsync(int runId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.RunImages.Where(i => i.RunId == runId).GroupBy(i => i.TrueClass).Select(g => new { g.Key, Count = g.Count() })
            .ToDictionaryAsync(g => g.Key, g => g.Count, ct);
    }

    public static EvaluationResult? Result(RunRecord run) => run.ResultJson is null ? null : ResultFiles.FromJson(run.ResultJson);

    public static IReadOnlyDictionary<string, double> RunningMetrics(RunRecord run) =>
        run.RunningMetrics is null ? new Dictionary<string, double>()
            : System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, double>>(run.RunningMetrics) ?? new Dictionary<string, double>();

    /// <summary>The per-image CSV of a finished (or partial) run, in split order, with the class names in the last two columns.</summary>
    public async Task WritePerImageCsvAsync(RunRecord run, TextWriter writer, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var dataset = await annotations.GetAsync(run.Dataset!, ct);
        await writer.WriteAsync(ResultFiles.CsvHeader(CamMethods.ParseList(run.Methods), classNames: true) + "\n");
        await foreach (var blob in db.RunImages.AsNoTracking().Where(i => i.RunId == run.Id).OrderBy(i => i.Index).Select(i => i.Outcome).AsAsyncEnumerable().WithCancellation(ct))
        {
            await writer.WriteAsync(ResultFiles.CsvRow(OutcomeCodec.Decode(blob), dataset, classNames: true) + "\n");
        }
    }

    /// <summary>A run's stored outcomes in split order (no access check: callers have checked the run).</summary>
    public async Task<List<ImageOutcome>> OutcomesAsync(int runId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var blobs = await db.RunImages.AsNoTracking().Where(i => i.RunId == runId).OrderBy(i => i.Index).Select(i => i.Outcome).ToListAsync(ct);
        return blobs.Select(OutcomeCodec.Decode).ToList();
    }

    public static string Percent(double v) => v.ToString("F2", CultureInfo.InvariantCulture);
}
