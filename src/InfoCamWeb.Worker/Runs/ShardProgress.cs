using System.Diagnostics;
using System.Text.Json;
using InfoCamWeb.Core.Cams;
using InfoCamWeb.Core.Evaluation;
using InfoCamWeb.Data;
using InfoCamWeb.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace InfoCamWeb.Worker.Runs;

/// <summary>
/// Saves a shard's outcomes after every batch and keeps the run's live figures (images done, GT-known Loc so far, images/s)
/// computed from everything saved by all its shards, so any number of workers can report on one run. Stops the shard
/// (through <paramref name="cancel"/>) when the run was cancelled or ended by another shard's worker.
/// </summary>
internal sealed class ShardProgress(
    IDbContextFactory<InfoCamDbContext> dbFactory, string worker, int runId, int shard, string methods, CancellationTokenSource cancel)
    : IProgress<EvaluationProgress>
{
    // The run-wide figures are aggregates over the run's saved images: computed at most this often, and at the shard's end.
    private static readonly TimeSpan LiveFiguresPeriod = TimeSpan.FromSeconds(1);

    private readonly List<ImageOutcome> _pending = new();
    private readonly string[] _methodKeys = CamMethods.ParseList(methods).Select(m => m.Key()).ToArray();
    private readonly Stopwatch _sinceFigures = Stopwatch.StartNew();
    private bool _figuresDue = true;

    /// <summary>True once the run was seen cancelled or ended elsewhere; the shard's cancellation means that, not a shutdown.</summary>
    public bool RunEnded { get; private set; }

    public void Add(ImageOutcome outcome) => _pending.Add(outcome);

    public void Report(EvaluationProgress value) => Flush(value);

    /// <summary>
    /// Saves the batch's outcomes (one insert); at most once a second, and at the shard's end, also the heartbeats, the
    /// run's live figures and the cancel check, so a fast worker does not spend its time on bookkeeping.
    /// </summary>
    public void Flush(EvaluationProgress? p)
    {
        long started = Stopwatch.GetTimestamp();
        try
        {
            FlushCore(p);
        }
        finally
        {
            SavingTime += Stopwatch.GetElapsedTime(started);
        }
    }

    /// <summary>Time this shard spent saving outcomes and figures (the evaluation waits for it).</summary>
    public TimeSpan SavingTime { get; private set; }

    private void FlushCore(EvaluationProgress? p)
    {
        using var db = dbFactory.CreateDbContext();
        SaveOutcomes(db);
        if (p is not null && !_figuresDue && _sinceFigures.Elapsed < LiveFiguresPeriod) return;
        var now = DateTimeOffset.UtcNow;
        db.RunShards.Where(s => s.RunId == runId && s.Index == shard).ExecuteUpdate(s => s.SetProperty(x => x.HeartbeatAt, now));
        var run = db.Runs.First(x => x.Id == runId);
        run.HeartbeatAt = now;
        if (p is not null) run.ProviderUsed = p.Provider;
        UpdateLiveFigures(db, run, now);
        if (p is not null) UpdateWorker(db, p, now);
        _sinceFigures.Restart();
        _figuresDue = false;
        db.SaveChanges();
        if (run.CancelRequested || !run.IsActive)
        {
            RunEnded = true;
            cancel.Cancel();
        }
    }

    /// <summary>
    /// Adds the outcomes in one insert. A worker declared lost while still alive may race its successor for the same
    /// images: the key (run, image) refuses the second insert, and then only the outcomes not saved yet are added (the
    /// saved ones are the same).
    /// </summary>
    private void SaveOutcomes(InfoCamDbContext db)
    {
        if (_pending.Count == 0) return;
        try
        {
            AddOutcomes(db, _pending);
        }
        catch (DbUpdateException)
        {
            db.ChangeTracker.Clear();
            var indices = _pending.Select(o => o.Index).ToList();
            var existing = db.RunImages.Where(i => i.RunId == runId && indices.Contains(i.Index)).Select(i => i.Index).ToHashSet();
            AddOutcomes(db, _pending.Where(o => !existing.Contains(o.Index)));
        }
        _pending.Clear();
    }

    private void AddOutcomes(InfoCamDbContext db, IEnumerable<ImageOutcome> outcomes)
    {
        foreach (var o in outcomes)
        {
            db.RunImages.Add(new RunImageRecord
            {
                RunId = runId,
                Index = o.Index,
                ImageId = o.ImageId,
                TrueClass = o.TrueClass,
                PredictedClass = o.PredictedClass,
                Outcome = OutcomeCodec.Encode(o),
                Maps = o.Maps.Length > 0 ? ScoreMapCodec.Encode(o.Maps) : null,
            });
            for (int m = 0; m < o.Methods.Length; m++)
            {
                db.RunImageMethods.Add(new RunImageMethodRecord { RunId = runId, Index = o.Index, Method = m, FixedIoU = o.Methods[m].FixedIoU });
            }
        }
        db.SaveChanges();
    }

    /// <summary>Images done and GT-known Loc so far over every shard's saved images; images/s since the run started.</summary>
    private void UpdateLiveFigures(InfoCamDbContext db, RunRecord run, DateTimeOffset now)
    {
        int done = db.RunImages.Count(i => i.RunId == runId);
        var hits = db.RunImageMethods.Where(i => i.RunId == runId && i.FixedIoU >= 0.5)
            .GroupBy(i => i.Method).Select(g => new { Method = g.Key, Hits = g.Count() }).ToDictionary(g => g.Method, g => g.Hits);
        run.ImagesDone = done;
        var running = new Dictionary<string, double>();
        for (int m = 0; m < _methodKeys.Length; m++)
        {
            running[_methodKeys[m]] = done == 0 ? 0 : 100.0 * hits.GetValueOrDefault(m) / done;
        }
        run.RunningMetrics = JsonSerializer.Serialize(running);
        double seconds = run.StartedAt is { } started ? (now - started).TotalSeconds : 0;
        run.ImagesPerSecond = seconds > 0 ? done / seconds : 0;
    }

    private void UpdateWorker(InfoCamDbContext db, EvaluationProgress p, DateTimeOffset now) =>
        db.Workers.Where(w => w.Name == worker).ExecuteUpdate(s => s
            .SetProperty(w => w.ImagesPerSecond, p.ImagesPerSecond).SetProperty(w => w.Provider, p.Provider).SetProperty(w => w.LastSeenAt, now));
}
