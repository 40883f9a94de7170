using System.Text.Json;
using InfoCamWeb.Core.Evaluation;
using InfoCamWeb.Data;
using InfoCamWeb.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace InfoCamWeb.Worker.Runs;

/// <summary>
/// Computes a run's result once all its shards are done: from the saved outcomes, read in split order, and the shards'
/// skipped images and seconds, with no inference. Any number of workers may try at once; the result is the same from
/// each, and one conditional update (running → succeeded) stores it once.
/// </summary>
public sealed class RunFinalizer(IDbContextFactory<InfoCamDbContext> dbFactory, RunContexts contexts, ILogger<RunFinalizer> log)
{
    /// <summary>The job the web app queues for a run whose shards are all done but that has no result (its last worker was lost).</summary>
    public async Task FinalizeAsync(int runId, CancellationToken ct)
    {
        RunRecord? run;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            run = await db.Runs.AsNoTracking().Include(r => r.Model).Include(r => r.Dataset).FirstOrDefaultAsync(r => r.Id == runId, ct);
        }
        if (run is not { Status: RunStatus.Running }) return;
        try
        {
            await TryFinalizeAsync(run, contexts.For(run).Evaluator);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            contexts.Drop();
            log.LogError(ex, "Computing the result of run {RunId} failed.", runId);
            await using var db = await dbFactory.CreateDbContextAsync(CancellationToken.None);
            await db.Runs.Where(r => r.Id == runId && r.Status == RunStatus.Running).ExecuteUpdateAsync(s => s
                .SetProperty(r => r.Status, RunStatus.Failed).SetProperty(r => r.FinishedAt, DateTimeOffset.UtcNow)
                .SetProperty(r => r.Error, $"Computing the result failed: {ex.Message}"), CancellationToken.None);
        }
    }

    /// <summary>Stores the run's result when every shard is done; false when some shard is not, or the run ended meanwhile.</summary>
    public async Task<bool> TryFinalizeAsync(RunRecord run, Evaluator evaluator)
    {
        await using var db = await dbFactory.CreateDbContextAsync(CancellationToken.None);
        var shards = await db.RunShards.AsNoTracking().Where(s => s.RunId == run.Id).OrderBy(s => s.Index).ToListAsync();
        if (shards.Count == 0 || shards.Any(s => s.State != ShardState.Done)) return false;
        // Keeps the web app from queuing a finalize job while this one reads the outcomes.
        await db.Runs.Where(r => r.Id == run.Id).ExecuteUpdateAsync(s => s.SetProperty(r => r.HeartbeatAt, DateTimeOffset.UtcNow));
        var outcomes = db.RunImages.AsNoTracking().Where(i => i.RunId == run.Id).OrderBy(i => i.Index).Select(i => i.Outcome)
            .AsEnumerable().Select(OutcomeCodec.Decode);
        var result = evaluator.Summarize(outcomes, SkippedOf(shards), SecondsOf(shards), ProviderOf(shards));
        result = result with { Model = result.Model with { Path = run.Model!.Name }, Dataset = result.Dataset with { Path = run.Dataset!.Name } };
        var json = ResultFiles.ToJson(result);
        var now = DateTimeOffset.UtcNow;
        int stored = await db.Runs.Where(r => r.Id == run.Id && r.Status == RunStatus.Running).ExecuteUpdateAsync(s => s
            .SetProperty(r => r.ResultJson, json).SetProperty(r => r.ProviderUsed, result.Model.Provider).SetProperty(r => r.Status, RunStatus.Succeeded)
            .SetProperty(r => r.EngineVersion, EngineVersion)
            .SetProperty(r => r.FinishedAt, now).SetProperty(r => r.ImagesDone, result.Images).SetProperty(r => r.HeartbeatAt, now));
        if (stored == 1) log.LogInformation("Run {RunId} finished: {Images} images in {Shards} shards.", run.Id, result.Images, shards.Count);
        return stored == 1;
    }

    /// <summary>This worker's engine: InfoCamWeb.Core's informational version (release + commit), recorded with each result it computes.</summary>
    public static readonly string EngineVersion = typeof(Evaluator).Assembly
        .GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
        .OfType<System.Reflection.AssemblyInformationalVersionAttribute>().FirstOrDefault()?.InformationalVersion ?? "unknown";

    /// <summary>Skipped images in split order (shards in order, each in the order it met them).</summary>
    private static List<string> SkippedOf(IEnumerable<RunShardRecord> shards) =>
        shards.SelectMany(s => s.Skipped is null ? [] : JsonSerializer.Deserialize<List<string>>(s.Skipped) ?? []).ToList();

    /// <summary>Stage seconds summed over the shards: the workers' busy time, whichever machines it was spent on.</summary>
    private static StageSeconds SecondsOf(IEnumerable<RunShardRecord> shards)
    {
        var all = shards.Select(s => s.Seconds is null ? null : JsonSerializer.Deserialize<StageSeconds>(s.Seconds)).OfType<StageSeconds>().ToList();
        return all.Aggregate(new StageSeconds(0, 0, 0, 0, 0), (sum, s) => sum.Plus(s));
    }

    /// <summary>The provider the shards ran on; several are listed when workers of different kinds shared the run.</summary>
    private static string ProviderOf(IEnumerable<RunShardRecord> shards) =>
        string.Join(" + ", shards.Select(s => s.Provider).OfType<string>().Distinct());
}
