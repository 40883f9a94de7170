using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using InfoCamWeb.Core.Datasets;
using InfoCamWeb.Core.Diagnostics;
using InfoCamWeb.Core.Evaluation;
using InfoCamWeb.Core.Inference;
using InfoCamWeb.Core.Models;
using Spectre.Console;

namespace InfoCamWeb.Cli.Commands;

/// <summary>
/// <c>infocam bench --post-only</c>: each chunk of the split runs through the model once, then everything else an
/// evaluation does is timed on its own (decode, preprocess, maps, upsampling, sweep, metrics), per threshold step and
/// per core count.
/// </summary>
internal static class PostOnlyBenchCommand
{
    public static async Task<int> RunAsync(
        LoadedModel model, Dataset dataset, EvaluationSettings settings, double[] steps, int[]? cores, int repeat, string? output,
        IAnsiConsole console, CancellationToken ct)
    {
        var allowed = CoreAffinity.Allowed();
        cores = cores is null ? [allowed.Length] : [.. cores.Distinct()];
        if (cores.Any(c => c < 1 || c > allowed.Length))
        {
            throw new UsageException($"--cores values must be between 1 and {allowed.Length} (the CPUs this process may use).");
        }
        if (repeat is < 1 or > 20)
        {
            throw new UsageException("--repeat must be between 1 and 20.");
        }
        using var engine = new InferenceEngine(model, settings.Provider, cudaDevice: settings.CudaDevice, allowTf32: settings.AllowTf32);
        // JIT (through its tiers) and ONNX Runtime warm up on the first batches before anything is timed.
        var warmUp = new Evaluator(model, dataset, settings);
        await warmUp.BenchPostOnlyAsync(engine, limit: 16 * engine.BatchFor(settings.BatchSize, warmUp.Preprocessing.InputSize).Size, cancellationToken: ct);
        var (rows, first) = await MeasureAsync(model, dataset, settings, steps, cores, repeat, allowed, engine, ct);
        var scaling = Scaling.Of(rows);
        Print(console, rows, scaling, first);
        var headline = rows.Where(r => r.ThresholdStep == steps[0]).MaxBy(r => r.Cores)!;
        var endToEnd = await EndToEndAsync(model, dataset, settings with { ThresholdStep = steps[0] }, engine, headline.Cores, allowed, ct);
        var limit = Limit.Of(headline, endToEnd);
        console.WriteLine(limit.ToString());
        if (output is not null)
        {
            var report = new BenchReport(headline.PostImagesPerSecond, first.Images, first.Model.Provider, rows, first)
            {
                InferenceImagesPerSecond = limit.Inference,
                EndToEndImagesPerSecond = limit.EndToEnd,
                LimitedBy = limit.LimitedBy,
                Batch = endToEnd.Batch,
                Scaling = scaling,
            };
            await File.WriteAllTextAsync(output, JsonSerializer.Serialize(report, ResultFiles.JsonOptions), ct);
        }
        return 0;
    }

    /// <summary>A full evaluation with the same session on the headline row's cores (pinned to them when fewer than allowed).</summary>
    private static async Task<EvaluationResult> EndToEndAsync(
        LoadedModel model, Dataset dataset, EvaluationSettings settings, InferenceEngine engine, int cores, int[] allowed, CancellationToken ct)
    {
        var full = new Evaluator(model, dataset, settings) { Parallelism = cores };
        if (cores < allowed.Length) CoreAffinity.Use(allowed[..cores]);
        try
        {
            return await full.RunAsync(new ImageRange(0, full.Images.Count), null, null, null, engine, ct);
        }
        finally
        {
            if (cores < allowed.Length) CoreAffinity.Use(allowed);
        }
    }

    /// <summary>
    /// What bounds a full run: ONNX Runtime alone (on the GPU, the GPU's rate) against everything else on all cores; the
    /// full run overlaps the two, so it approaches the slower one.
    /// </summary>
    private sealed record Limit(double Step, double Inference, double Post, double EndToEnd, int Cores)
    {
        public string LimitedBy => Inference <= Post ? "inference" : "post-processing";

        public static Limit Of(BenchRow headline, EvaluationResult endToEnd) => new(
            headline.ThresholdStep, headline.InferenceImagesPerSecond, headline.PostImagesPerSecond, endToEnd.Images / Math.Max(endToEnd.Seconds.Total, 1e-9),
            headline.Cores);

        public override string ToString() => FormattableString.Invariant(
            $"step {Step}, {Cores} cores: inference alone {Inference:F1} img/s, everything else {Post:F1} img/s, end to end {EndToEnd:F1} img/s.{Environment.NewLine}") +
            FormattableString.Invariant($"limited by {LimitedBy}: the full run reaches {100 * EndToEnd / Math.Min(Inference, Post):F0} % of the slower one's rate.");
    }

    /// <summary>
    /// Each step on each core count, <paramref name="repeat"/> times with the core counts interleaved (so a slow spell of a
    /// shared machine hits all of them); a row reports the median pass. Returns the rows and the first pass's result.
    /// </summary>
    private static async Task<(List<BenchRow> Rows, EvaluationResult First)> MeasureAsync(
        LoadedModel model, Dataset dataset, EvaluationSettings settings, double[] steps, int[] cores, int repeat, int[] allowed,
        InferenceEngine engine, CancellationToken ct)
    {
        var rows = new List<BenchRow>();
        EvaluationResult? first = null;
        try
        {
            foreach (var step in steps)
            {
                var passes = cores.ToDictionary(n => n, _ => new List<BenchRow>());
                for (int r = 0; r < repeat; r++)
                {
                    foreach (var n in cores)
                    {
                        if (n < allowed.Length || cores.Length > 1)
                        {
                            CoreAffinity.Use(allowed[..n]);
                        }
                        var evaluator = new Evaluator(model, dataset, settings with { ThresholdStep = step }) { Parallelism = n };
                        var bench = await evaluator.BenchPostOnlyAsync(engine, cancellationToken: ct);
                        first ??= bench.Result;
                        passes[n].Add(BenchRow.Of(step, bench));
                    }
                }
                rows.AddRange(cores.Select(n => Median(passes[n])));
            }
        }
        finally
        {
            if (cores.Any(n => n < allowed.Length))
            {
                CoreAffinity.Use(allowed);
            }
        }
        return (rows, first!);
    }

    /// <summary>The pass with the median rate (the lower middle one of an even count), listing every pass's rate.</summary>
    private static BenchRow Median(List<BenchRow> passes)
    {
        var sorted = passes.OrderBy(p => p.PostImagesPerSecond).ToList();
        return sorted[(sorted.Count - 1) / 2] with { Repeats = passes.Select(p => p.PostImagesPerSecond).ToArray() };
    }

    private static void Print(IAnsiConsole console, List<BenchRow> rows, List<Scaling> scaling, EvaluationResult result)
    {
        var table = new Table().Border(TableBorder.Rounded);
        foreach (var col in new[] { "step", "cores", "post img/s", "inference img/s", "decode", "preprocess", "maps", "upsampling", "sweep", "metrics", "ms/image", "busy cores" })
        {
            table.AddColumn(new TableColumn(col).RightAligned());
        }
        string F(double v, string f = "F3") => v.ToString(f, CultureInfo.InvariantCulture);
        foreach (var r in rows)
        {
            var ms = r.MsPerImage;
            table.AddRow(r.ThresholdStep.ToString("0.####", CultureInfo.InvariantCulture), r.Cores.ToString(CultureInfo.InvariantCulture),
                F(r.PostImagesPerSecond, "F1"), F(r.InferenceImagesPerSecond, "F1"),
                F(ms.Decode), F(ms.Preprocess), F(ms.Maps), F(ms.Upsampling), F(ms.Sweep), F(ms.Metrics), F(ms.Total, "F2"), F(r.BusyCores, "F2"));
        }
        console.Write(table);
        using var self = System.Diagnostics.Process.GetCurrentProcess();
        console.WriteLine($"garbage collections: {GC.CollectionCount(0)} gen0, {GC.CollectionCount(1)} gen1, {GC.CollectionCount(2)} gen2; peak working set {self.PeakWorkingSet64 >> 20} MB.");
        console.WriteLine($"{result.Images} images, provider {result.Model.Provider}. Post img/s: everything but inference, wall clock; inference img/s: ONNX Runtime alone. " +
            (CpuClock.IsThreadTime
            ? "Stage columns: CPU ms per image, summed over the threads that run the stage. Busy cores: the process's CPU seconds over the wall seconds (the rest of the cores idled)."
            : "Stage columns: wall ms per image summed over the threads (no thread CPU clock here: overlapping stages count their waits)."));
        foreach (var s in scaling)
        {
            console.WriteLine(FormattableString.Invariant(
                $"step {s.ThresholdStep}: {s.Cores} cores vs {s.FromCores}: {s.Paired:F2}x (median of {s.Pairs} rounds' ratios, each round one pass on each core count; ratio of the medians {s.OfMedians:F2}x)"));
        }
    }

    /// <summary>
    /// How much faster the most cores ran than the fewest, at one step. A shared machine's speed drifts by tens of
    /// percent over seconds, so each pass on more cores is compared with the same round's pass on fewer (they run one after the other: a paired
    /// estimate: both saw the machine in about the same state) and the median of those ratios is the figure; the ratio
    /// of the two rows' medians is kept beside it.
    /// </summary>
    internal sealed record Scaling(
        [property: JsonPropertyName("thresholdStep")] double ThresholdStep,
        [property: JsonPropertyName("fromCores")] int FromCores,
        [property: JsonPropertyName("cores")] int Cores,
        [property: JsonPropertyName("paired")] double Paired,
        [property: JsonPropertyName("ofMedians")] double OfMedians,
        [property: JsonPropertyName("pairs")] int Pairs)
    {
        public static List<Scaling> Of(IEnumerable<BenchRow> rows) =>
        [
            .. rows.GroupBy(r => r.ThresholdStep).Where(g => g.Count() > 1).Select(g =>
            {
                var low = g.MinBy(r => r.Cores)!;
                var high = g.MaxBy(r => r.Cores)!;
                var ratios = low.Repeats.Zip(high.Repeats, (a, b) => b / a).Order().ToArray();
                double paired = ratios.Length == 0 ? double.NaN
                    : ratios.Length % 2 == 1 ? ratios[ratios.Length / 2] : (ratios[ratios.Length / 2 - 1] + ratios[ratios.Length / 2]) / 2;
                return new Scaling(g.Key, low.Cores, high.Cores, paired, high.PostImagesPerSecond / low.PostImagesPerSecond, ratios.Length);
            }),
        ];
    }

    /// <summary>CPU milliseconds per image of each stage.</summary>
    internal sealed record StageMilliseconds(
        [property: JsonPropertyName("decode")] double Decode,
        [property: JsonPropertyName("preprocess")] double Preprocess,
        [property: JsonPropertyName("maps")] double Maps,
        [property: JsonPropertyName("upsampling")] double Upsampling,
        [property: JsonPropertyName("sweep")] double Sweep,
        [property: JsonPropertyName("metrics")] double Metrics)
    {
        [JsonPropertyName("total")]
        public double Total => Decode + Preprocess + Maps + Upsampling + Sweep + Metrics;
    }

    internal sealed record BenchRow(
        [property: JsonPropertyName("thresholdStep")] double ThresholdStep,
        [property: JsonPropertyName("cores")] int Cores,
        [property: JsonPropertyName("images")] int Images,
        [property: JsonPropertyName("postImagesPerSecond")] double PostImagesPerSecond,
        [property: JsonPropertyName("inferenceImagesPerSecond")] double InferenceImagesPerSecond,
        [property: JsonPropertyName("msPerImage")] StageMilliseconds MsPerImage)
    {
        /// <summary>The process's CPU seconds over the pass's wall seconds: how many of the cores were kept busy.</summary>
        [JsonPropertyName("busyCores")]
        public double BusyCores { get; init; }

        /// <summary>Every pass's post-only rate, in the order they ran; the row is the median one.</summary>
        [JsonPropertyName("repeats")]
        public double[] Repeats { get; init; } = [];

        public static BenchRow Of(double step, PostOnlyBench bench)
        {
            var s = bench.Result.Seconds;
            var l = s.LocalizationStages ?? LocalizationSeconds.Zero;
            double k = 1000.0 / Math.Max(1, bench.Result.Images);
            return new BenchRow(step, bench.Parallelism, bench.Result.Images, bench.PostImagesPerSecond, bench.InferenceImagesPerSecond,
                new StageMilliseconds(s.Decode * k, s.Preprocess * k, l.Maps * k, l.Upsampling * k, l.Sweep * k, l.Metrics * k))
            {
                BusyCores = bench.BusyCores,
            };
        }
    }

    /// <param name="PostImagesPerSecond">The first threshold step's, on the most cores measured.</param>
    /// <param name="Result">The first row's evaluation result: equal to <c>infocam evaluate</c>'s but for its seconds.</param>
    internal sealed record BenchReport(
        [property: JsonPropertyName("postImagesPerSecond")] double PostImagesPerSecond,
        [property: JsonPropertyName("images")] int Images,
        [property: JsonPropertyName("provider")] string Provider,
        [property: JsonPropertyName("runs")] List<BenchRow> Runs,
        [property: JsonPropertyName("result")] EvaluationResult Result)
    {
        /// <summary>ONNX Runtime alone, images per second (the first step's row on the most cores).</summary>
        [JsonPropertyName("inferenceImagesPerSecond")] public double InferenceImagesPerSecond { get; init; }

        /// <summary>A full evaluation of the same images with the same engine, all cores.</summary>
        [JsonPropertyName("endToEndImagesPerSecond")] public double EndToEndImagesPerSecond { get; init; }

        /// <summary>"inference" or "post-processing": the slower of the two, which a full run cannot outpace.</summary>
        [JsonPropertyName("limitedBy")] public string LimitedBy { get; init; } = "";

        [JsonPropertyName("batch")] public BatchInfo? Batch { get; init; }

        /// <summary>Per step, the most cores against the fewest (<see cref="Scaling"/>); empty with one core count.</summary>
        [JsonPropertyName("scaling")] public List<Scaling> Scaling { get; init; } = [];
    }
}
