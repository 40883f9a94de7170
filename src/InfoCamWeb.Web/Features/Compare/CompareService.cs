using System.Collections.Concurrent;
using InfoCamWeb.Core.Evaluation;
using InfoCamWeb.Data;
using InfoCamWeb.Data.Entities;
using InfoCamWeb.Web.Features.Runs;

namespace InfoCamWeb.Web.Features.Compare;

/// <summary>One compared run: who made it, with what, and its result.</summary>
public sealed record ComparedRunInfo(int RunId, string Team, string Model, string Label, EvaluationResult Result);

/// <summary>One metric across the runs (percent); differences are each run minus the first.</summary>
public sealed record MetricComparison(string Metric, double?[] Values, double?[] Differences);

/// <summary>A run against the first, paired over the images, on the ranking metric.</summary>
public sealed record PairComparison(int RunId, double Difference, double Low, double High, double P, string Test, bool Distinguishable);

/// <summary>GT-known Loc of one class in each run and the largest spread between them.</summary>
public sealed record ClassComparison(string Label, string Name, double?[] Values, double Spread);

/// <summary>An image the runs localize differently: each run's IoU at the fixed threshold, and the spread.</summary>
public sealed record ImageDisagreement(int Index, string ImageId, string TrueClass, double[] FixedIoUs, bool[] Hits, double Spread);

public sealed record Comparison(
    IReadOnlyList<ComparedRunInfo> Runs, string Method, RankingMetric Metric, IReadOnlyList<MetricComparison> Metrics,
    IReadOnlyList<PairComparison> Pairs, IReadOnlyList<ClassComparison> Classes, IReadOnlyList<ImageDisagreement> Images);

/// <summary>
/// Two to four runs of the same dataset, split and protocol side by side: their metrics and differences, each run
/// against the first with a paired test, per-class differences, and the images on which they disagree most.
/// </summary>
public sealed class CompareService(RunService runs, Datasets.DatasetService datasets)
{
    public const int MaxRuns = 4;
    public const int DisagreementsShown = 24;

    /// <summary>Paired tests computed (2,000 resamples each), by runs, method and metric: a run's outcomes never change once it succeeded.</summary>
    private readonly ConcurrentDictionary<(string Runs, string Method, RankingMetric Metric), Lazy<List<PairComparison>>> _pairs = new();
    private const int PairsKept = 256;

    public async Task<(Comparison? Comparison, ServiceError? Error)> CompareAsync(
        Actor actor, IReadOnlyList<int> runIds, string? method, RankingMetric? metric, CancellationToken ct = default)
    {
        if (runIds.Count is < 2 or > MaxRuns || runIds.Distinct().Count() != runIds.Count)
        {
            return (null, new ServiceError(ErrorKind.Invalid, $"Compare 2 to {MaxRuns} different runs (got {string.Join(", ", runIds)})."));
        }
        var records = new List<RunRecord>();
        foreach (var id in runIds)
        {
            var run = await runs.GetAsync(actor, id, ct);
            if (run is null) return (null, ServiceError.NotFound($"Run {id} does not exist or is not visible to you."));
            if (!Benchmarks.GroundTruthPolicy.For(actor, run).Annotations)
            {
                return (null, new ServiceError(ErrorKind.Invalid, Benchmarks.GroundTruthPolicy.PerImageRefusal(id)));
            }
            if (run.ResultJson is null) return (null, new ServiceError(ErrorKind.Invalid, $"Run {id} has no result yet (status {run.Status.ToString().ToLowerInvariant()})."));
            records.Add(run);
        }
        if (Mismatch(records) is { } mismatch) return (null, new ServiceError(ErrorKind.Invalid, mismatch));
        var results = records.Select(r => ResultFiles.FromJson(r.ResultJson!)).ToList();
        var common = results.Skip(1).Aggregate(results[0].Methods.Keys.ToList(), (shared, r) => shared.Intersect(r.Methods.Keys).ToList());
        method ??= common.Contains("infocam") ? "infocam" : common.FirstOrDefault();
        if (method is null || !common.Contains(method))
        {
            return (null, new ServiceError(ErrorKind.Invalid, $"The runs share no method{(method is null ? "" : $" '{method}'")}: they share {(common.Count == 0 ? "none" : string.Join(", ", common))}."));
        }
        bool masks = results[0].Dataset.HasMasks;
        var ranking = metric is RankingMetric m && (m != RankingMetric.Pxap || masks) ? m : masks ? RankingMetric.Pxap : RankingMetric.GtKnownLoc;
        if (ranking == RankingMetric.MaxBoxAccV2 && results.Select(r => MultiIoUs.Text(r.Settings.MultiIoUs ?? [.. MultiIoUs.Default])).Distinct().Count() > 1)
        {
            return (null, new ServiceError(ErrorKind.Invalid, "The runs average MaxBoxAccV2 over different IoU lists; compare them on another metric."));
        }
        var infos = records.Zip(results, (r, res) => new ComparedRunInfo(r.Id, r.Team!.Name, r.Model!.Name, $"#{r.Id} {r.Team.Name} · {r.Model.Name}", res)).ToList();
        var outcomes = new List<List<ImageOutcome>>();
        foreach (var r in records) outcomes.Add(await runs.OutcomesAsync(r.Id, ct));
        for (int i = 1; i < outcomes.Count; i++)
        {
            if (PairedComparison.DifferentImages(outcomes[0], outcomes[i]) is { } different)
            {
                return (null, new ServiceError(ErrorKind.Invalid, $"Runs {records[0].Id} and {records[i].Id} cannot be paired. {different}"));
            }
        }
        var (labels, names) = await ClassNamesAsync(records[0].Dataset!, ct);
        var pairs = await Task.Run(() => PairsOf(infos, outcomes, method, ranking), ct);
        return (await Task.Run(() => Build(infos, outcomes, method, ranking, pairs, labels, names), ct), null);
    }

    /// <summary>Each run against the first, computed once per runs, method and metric (concurrent requests share one computation).</summary>
    private List<PairComparison> PairsOf(List<ComparedRunInfo> runs, List<List<ImageOutcome>> outcomes, string method, RankingMetric metric)
    {
        if (_pairs.Count > PairsKept) _pairs.Clear();
        var key = (string.Join(",", runs.Select(r => r.RunId)), method, metric);
        var methods = runs.Select(r => r.Result.Methods.Keys.ToList().IndexOf(method)).ToArray();
        return _pairs.GetOrAdd(key, _ => new Lazy<List<PairComparison>>(() => Pairs(runs, outcomes, methods, metric))).Value;
    }

    /// <summary>Why the runs cannot be compared (another dataset, split or protocol), or null.</summary>
    private static string? Mismatch(List<RunRecord> records)
    {
        var first = records[0];
        foreach (var r in records.Skip(1))
        {
            if (r.DatasetId != first.DatasetId || r.Split != first.Split || r.Protocol != first.Protocol)
            {
                return $"Run {r.Id} evaluated {r.Dataset!.Name} ({r.Split}, {r.Protocol}) and run {first.Id} {first.Dataset!.Name} ({first.Split}, {first.Protocol}): "
                    + "only runs of the same dataset, split and protocol can be compared.";
            }
        }
        return null;
    }

    private static Comparison Build(
        List<ComparedRunInfo> runs, List<List<ImageOutcome>> outcomes, string method, RankingMetric metric, List<PairComparison> pairs,
        IReadOnlyList<string> labels, IReadOnlyDictionary<string, string> names)
    {
        var methods = runs.Select(r => r.Result.Methods.Keys.ToList().IndexOf(method)).ToArray();
        var scores = runs.Select(r => r.Result.Methods[method]).ToList();
        return new Comparison(runs, method, metric, Metrics(runs, scores), pairs, Classes(scores, names), Disagreements(outcomes, methods, labels));
    }

    private static List<MetricComparison> Metrics(List<ComparedRunInfo> runs, List<MethodScores> scores)
    {
        MetricComparison Row(string name, Func<int, double?> value)
        {
            var values = Enumerable.Range(0, runs.Count).Select(value).ToArray();
            return new MetricComparison(name, values, values.Select(v => v - values[0]).ToArray());
        }
        var rows = new List<MetricComparison>
        {
            Row("Top-1 Loc", i => scores[i].Top1Loc),
            Row("GT-known Loc", i => scores[i].GtKnownLoc),
            Row("MaxBoxAcc", i => scores[i].MaxBoxAcc),
            Row("MaxBoxAccV2", i => scores[i].MaxBoxAccV2),
            Row("Top-1 Cls", i => runs[i].Result.Classification.Top1),
            Row("Pointing game", i => scores[i].PointingGame),
            Row("Energy pointing game", i => scores[i].EnergyPointingGame),
        };
        if (runs[0].Result.Dataset.HasMasks) rows.Insert(0, Row("PxAP", i => scores[i].Pxap));
        return rows;
    }

    private static List<PairComparison> Pairs(List<ComparedRunInfo> runs, List<List<ImageOutcome>> outcomes, int[] methods, RankingMetric metric)
    {
        int Ious(int i) => runs[i].Result.Settings.MultiIoUs?.Length ?? MultiIoUs.Default.Count;
        var first = new ComparedRun(outcomes[0], methods[0], Ious(0));
        var pairs = new List<PairComparison>();
        for (int i = 1; i < runs.Count; i++)
        {
            // Each run minus the first, like the metric table.
            var d = PairedComparison.Compare(new ComparedRun(outcomes[i], methods[i], Ious(i)), first, metric);
            pairs.Add(new PairComparison(runs[i].RunId, d.Difference, d.Low, d.High, d.P, d.Test, !d.Tied));
        }
        return pairs;
    }

    private static List<ClassComparison> Classes(List<MethodScores> scores, IReadOnlyDictionary<string, string> names)
    {
        var labels = scores.SelectMany(s => s.PerClassGtKnownLoc.Keys).Distinct().ToList();
        return labels.Select(label =>
            {
                var values = scores.Select(s => s.PerClassGtKnownLoc.TryGetValue(label, out var v) ? v : (double?)null).ToArray();
                var present = values.OfType<double>().ToList();
                return new ClassComparison(label, names.GetValueOrDefault(label, label), values, present.Count < 2 ? 0 : present.Max() - present.Min());
            })
            .OrderByDescending(c => c.Spread).ThenBy(c => c.Label, StringComparer.Ordinal).ToList();
    }

    /// <summary>The dataset's class labels (by class index) and names; empty when its files cannot be read now.</summary>
    private async Task<(IReadOnlyList<string> Labels, IReadOnlyDictionary<string, string> Names)> ClassNamesAsync(DatasetRecord dataset, CancellationToken ct)
    {
        try
        {
            var loaded = await datasets.LoadAsync(dataset, ct);
            return (loaded.ClassLabels, loaded.ClassLabels.Zip(loaded.ClassNames).ToDictionary(p => p.First, p => p.Second));
        }
        catch (Core.Datasets.DatasetException)
        {
            return ([], new Dictionary<string, string>());
        }
    }

    /// <summary>The images whose fixed-threshold IoU differs most between the runs (paired by image id; images one run skipped are left out).</summary>
    private static List<ImageDisagreement> Disagreements(List<List<ImageOutcome>> outcomes, int[] methods, IReadOnlyList<string> labels)
    {
        var byId = outcomes.Skip(1).Select(list => list.ToDictionary(o => o.ImageId)).ToList();
        var rows = new List<ImageDisagreement>();
        foreach (var o in outcomes[0])
        {
            var others = byId.Select(d => d.GetValueOrDefault(o.ImageId)).ToList();
            if (others.Any(x => x is null)) continue;
            var all = new[] { o }.Concat(others!).ToList();
            var ious = all.Select((x, i) => x!.Methods[methods[i]].FixedIoU).ToArray();
            var hits = ious.Select(v => v >= 0.5).ToArray();
            var label = o.TrueClass < labels.Count ? labels[o.TrueClass] : o.TrueClass.ToString(System.Globalization.CultureInfo.InvariantCulture);
            rows.Add(new ImageDisagreement(o.Index, o.ImageId, label, ious, hits, ious.Max() - ious.Min()));
        }
        return rows.OrderByDescending(r => r.Hits.Distinct().Count()).ThenByDescending(r => r.Spread).ThenBy(r => r.Index).Take(DisagreementsShown).ToList();
    }

}
