using InfoCamWeb.Data;
using InfoCamWeb.Data.Entities;
using InfoCamWeb.Web.Extensions;
using InfoCamWeb.Web.Features.Datasets;
using InfoCamWeb.Web.Features.Models;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace InfoCamWeb.Web.Features.Runs;

/// <summary>The embedded default: the demo model and dataset from datasets/, and a demo run queued on first start.</summary>
public sealed class DemoSetup(
    IDbContextFactory<InfoCamDbContext> dbFactory, IOptions<InfoCamOptions> options, IWebHostEnvironment env,
    ModelService models, DatasetService datasets, RunService runs, Teams.TeamService teams, ILogger<DemoSetup> log)
{
    public async Task EnsureAsync(CancellationToken ct)
    {
        var demo = options.Value.Demo;
        if (!demo.Register)
        {
            return;
        }
        string Full(string p) => Path.GetFullPath(Path.IsPathRooted(p) ? p : Path.Combine(env.ContentRootPath, p));
        var baselines = await teams.EnsureBaselinesAsync(ct);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var model = await db.Models.FirstOrDefaultAsync(m => m.IsDemo, ct);
        if (model is null)
        {
            await using var file = File.OpenRead(Full(demo.ModelPath));
            var result = await models.UploadForTeamAsync(baselines.Id, file, Path.GetFileName(demo.ModelPath), "Demo CNN",
                "A small CNN (6 conv layers, GAP + linear) trained on the demo finches by tools/train_demo.py.", long.MaxValue, ct: ct);
            if (result.ModelId is null)
            {
                log.LogError("The demo model was refused: {Error}", result.Error);
                return;
            }
            model = await db.Models.FirstAsync(m => m.Id == result.ModelId, ct);
            model.IsDemo = true;
            await db.SaveChangesAsync(ct);
        }
        var dataset = await db.Datasets.FirstOrDefaultAsync(d => d.IsDemo, ct);
        if (dataset is null)
        {
            var reg = await datasets.RegisterServerFolderAsync(baselines.Id, Full(demo.DatasetFolder), "Demo finches (CUB format)",
                "8 classes of synthetic birds that differ only in a small head mark; written by infocam make-demo.", "demo", ct);
            if (!reg.Ok)
            {
                log.LogError("The demo dataset was refused: {Error}", reg.Error?.Message ?? reg.Problems.FirstOrDefault()?.ToString());
                return;
            }
            dataset = await db.Datasets.FirstAsync(d => d.Id == reg.DatasetId, ct);
        }
        if (demo.RunOnFirstStart && !await db.Runs.AnyAsync(ct))
        {
            var created = await runs.CreateForTeamAsync(null, baselines.Id, new RunRequest { ModelId = model.Id, DatasetId = dataset.Id }, ct);
            if (created.RunId is int runId)
            {
                // The baseline rows of the demo leaderboard.
                var run = await db.Runs.FirstAsync(r => r.Id == runId, ct);
                run.Published = true;
                run.PublishedAt = DateTimeOffset.UtcNow;
                await db.SaveChangesAsync(ct);
            }
            log.LogInformation("Queued the demo run {RunId}.", created.RunId);
        }
        await EnsureBenchmarkAsync(db, baselines.Id, model, dataset, ct);
    }

    /// <summary>
    /// The demo benchmark: hosted by Baselines on the demo dataset's test split (public ground truth, one open phase),
    /// with the Baselines' demo run as its first entry, so a fresh install shows a benchmark.
    /// </summary>
    private static async Task EnsureBenchmarkAsync(InfoCamDbContext db, int baselines, ModelRecord model, DatasetRecord dataset, CancellationToken ct)
    {
        if (await db.Benchmarks.AnyAsync(b => b.DatasetId == dataset.Id && b.HostTeamId == baselines, ct)) return;
        var now = DateTimeOffset.UtcNow;
        var phase = new BenchmarkPhase
        {
            Name = "Open", Opens = now, Closes = now.AddYears(10), Visibility = BoardVisibility.Public, Rule = EntryRule.Best, DailyLimit = 5, TotalLimit = 50,
        };
        db.Benchmarks.Add(new Benchmark
        {
            Title = "Demo finches: weakly supervised localization",
            Description = "Localize the **head mark** that tells the 8 synthetic finch species apart. Submit an ONNX classifier with 8 outputs "
                + "(global average pooling + linear head); it is evaluated on the demo dataset's test split with CAM, infoCAM and infoCAM+ "
                + "and ranked by Top-1 Loc of its best method. The ground truth is public: the demo dataset belongs to the Baselines team.",
            DatasetId = dataset.Id, HostTeamId = baselines, CreatedAt = now, Phases = [phase],
        });
        await db.SaveChangesAsync(ct);
        var demoRun = await db.Runs.Where(r => r.TeamId == baselines && r.ModelId == model.Id && r.DatasetId == dataset.Id && r.Split == "test" && r.Protocol == "resize224")
            .OrderBy(r => r.Id).FirstOrDefaultAsync(ct);
        if (demoRun is null) return;
        db.Submissions.Add(new Submission { PhaseId = phase.Id, TeamId = baselines, ModelId = model.Id, RunId = demoRun.Id, CreatedAt = now, ModelSha256 = model.Sha256 });
        await db.SaveChangesAsync(ct);
    }
}
