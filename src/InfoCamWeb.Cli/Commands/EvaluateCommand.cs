using System.Globalization;
using InfoCamWeb.Core.Cams;
using InfoCamWeb.Core.Datasets;
using InfoCamWeb.Core.Evaluation;
using InfoCamWeb.Core.Imaging;
using InfoCamWeb.Core.Models;
using Spectre.Console;

namespace InfoCamWeb.Cli.Commands;

/// <summary><c>infocam evaluate</c> and <c>infocam bench</c>.</summary>
internal static class EvaluateCommand
{
    private static readonly HashSet<string> Flags = ["quiet", "bgr", "skip-bad-images", "allow-tf32", "post-only"];

    public static async Task<int> RunAsync(IEnumerable<string> rawArgs, TextWriter stdout, TextWriter stderr, bool bench, CancellationToken ct)
    {
        var a = new CliArgs(rawArgs, Flags);
        var modelPath = a.Required("model");
        var datasetPath = a.Required("dataset");
        var overrides = CliApp.Overrides(a);
        var settings = Settings(a);
        var output = a.Get("output");
        var perImage = a.Get("per-image");
        bool quiet = a.Flag("quiet");
        var steps = bench && a.Get("steps") is { } s ? Numbers(s, "--steps", double.Parse) : [settings.ThresholdStep];
        bool postOnly = bench && a.Flag("post-only");
        int[]? cores = postOnly && a.Get("cores") is { } c ? Numbers(c, "--cores", int.Parse) : null;
        int repeat = postOnly ? a.Int("repeat", 1) : 1;
        if (!postOnly && (a.Get("cores") is not null || a.Get("repeat") is not null || a.Flag("post-only")))
        {
            throw new UsageException("--post-only, --cores and --repeat belong to 'infocam bench'; --cores and --repeat need --post-only.");
        }
        settings.Validate();

        var model = ModelLoader.Load(modelPath, overrides);
        settings = settings with { Preprocessing = CliApp.PreprocessingFrom(a, model) };
        a.EnsureAllUsed();
        var dataset = DatasetLoader.Load(datasetPath);
        if (postOnly)
        {
            return await PostOnlyBenchCommand.RunAsync(model, dataset, settings, steps, cores, repeat, output, ConsoleOn(stdout), ct);
        }

        var results = new List<EvaluationResult>();
        foreach (var step in steps)
        {
            var run = settings with { ThresholdStep = step };
            var evaluator = new Evaluator(model, dataset, run);
            if (run.Methods.Contains(CamMethod.ScoreCam) && results.Count == 0)
            {
                stderr.WriteLine(ScoreCam.CostText(evaluator.Images.Count, model.Head.Channels, run.ScoreCamChannels));
            }
            StreamWriter? csv = null;
            if (perImage is not null && results.Count == 0)
            {
                csv = new StreamWriter(perImage, false, new System.Text.UTF8Encoding(false));
                csv.Write(ResultFiles.CsvHeader(run.Methods) + "\n");
            }
            try
            {
                // Outcomes arrive in split order; the CSV follows it.
                Action<ImageOutcome>? onImage = csv is null ? null : o => csv.Write(ResultFiles.CsvRow(o, dataset) + "\n");
                var result = await WithProgress(evaluator, onImage, quiet, stderr, ct);
                results.Add(result);
            }
            finally
            {
                csv?.Dispose();
            }
        }

        var final = results[0];
        if (output is not null)
        {
            await File.WriteAllTextAsync(output, ResultFiles.ToJson(final), ct);
        }
        var console = ConsoleOn(stdout);
        if (bench)
        {
            PrintBench(console, results, steps);
        }
        else
        {
            PrintResult(console, final, model);
        }
        return 0;
    }

    /// <summary>The evaluation settings from the command line (the options evaluate and bench share).</summary>
    internal static EvaluationSettings Settings(CliArgs a) => new()
    {
        Split = Dataset.ParseSplit(a.Get("split") ?? "test"),
        Methods = CamMethods.ParseList(a.Get("methods") ?? "cam,infocam,infocam+"),
        Protocol = Preprocessor.ParseProtocol(a.Get("protocol") ?? "resize224"),
        CamThreshold = a.Double("cam-threshold", 0.2),
        ThresholdStep = a.Double("threshold-step", 0.01),
        Window = a.Int("window", 4),
        BatchSize = a.Get("batch-size") is null or "auto" ? null : a.Int("batch-size", 0),
        Provider = CliApp.Provider(a),
        SkipBadImages = a.Flag("skip-bad-images"),
        AllowTf32 = a.Flag("allow-tf32"),
        ScoreCamChannels = a.Get("scorecam-channels") is null ? null : a.Int("scorecam-channels", 0),
        MultiIoUs = a.Get("iou-thresholds") is { } ious ? MultiIoUs.Parse(ious) : MultiIoUs.Default,
    };

    private static T[] Numbers<T>(string list, string option, Func<string, IFormatProvider, T> parse) =>
        list.Split(',').Select(x =>
        {
            try
            {
                return parse(x.Trim(), CultureInfo.InvariantCulture);
            }
            catch (Exception ex) when (ex is FormatException or OverflowException)
            {
                throw new UsageException($"{option} '{x}' is not a number.");
            }
        }).ToArray();

    /// <summary>A console on <paramref name="stdout"/>; files and pipes have no terminal width to fit, so table rows stay on one line.</summary>
    internal static IAnsiConsole ConsoleOn(TextWriter stdout)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(stdout) });
        if (ReferenceEquals(stdout, System.Console.Out) && System.Console.IsOutputRedirected || !ReferenceEquals(stdout, System.Console.Out))
        {
            console.Profile.Width = 132;
        }
        return console;
    }

    private static async Task<EvaluationResult> WithProgress(Evaluator evaluator, Action<ImageOutcome>? onImage, bool quiet, TextWriter stderr, CancellationToken ct)
    {
        bool interactive = !quiet && !System.Console.IsErrorRedirected && AnsiConsole.Profile.Capabilities.Interactive;
        if (interactive)
        {
            var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(System.Console.Error) });
            EvaluationResult? result = null;
            await console.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                .StartAsync(async ctx =>
                {
                    var task = ctx.AddTask("evaluating", maxValue: evaluator.Images.Count);
                    var progress = new SyncProgress<EvaluationProgress>(p =>
                    {
                        task.Value = p.Done;
                        task.Description = $"{p.Done}/{p.Total} images, {p.ImagesPerSecond:F1} img/s, {p.Provider}";
                    });
                    result = await evaluator.RunAsync(progress, onImage, null, ct);
                    task.Value = task.MaxValue;
                });
            return result!;
        }
        int lastPercent = -10;
        var plain = new SyncProgress<EvaluationProgress>(p =>
        {
            int percent = (int)(100L * p.Done / Math.Max(1, p.Total));
            if (!quiet && (percent >= lastPercent + 10 || p.Done == p.Total))
            {
                lastPercent = percent;
                var eta = p.Eta is { } e ? $", ETA {e:hh\\:mm\\:ss}" : "";
                stderr.WriteLine(FormattableString.Invariant($"infocam: {p.Done}/{p.Total} images ({percent} %), {p.ImagesPerSecond:F1} img/s{eta}, {p.Provider}"));
            }
        });
        return await evaluator.RunAsync(plain, onImage, null, ct);
    }

    private static void PrintResult(IAnsiConsole console, EvaluationResult r, LoadedModel model)
    {
        console.WriteLine(FormattableString.Invariant(
            $"model   {Path.GetFileName(r.Model.Path)}  {model.Head.Pattern}, feature '{r.Model.FeatureTensor}' {model.Head.FeatureShapeText}, {r.Model.NumClasses} classes, provider {r.Model.Provider}"));
        console.WriteLine(FormattableString.Invariant(
            $"dataset {r.Dataset.Path}  split {r.Dataset.Split}, {r.Images} images, {r.Dataset.Classes} classes{(r.Dataset.HasMasks ? ", mask ground truth (box scores use the instance masks' boxes)" : "")}"));
        console.WriteLine(FormattableString.Invariant(
            $"settings protocol {r.Settings.Protocol}, cam threshold {r.Settings.CamThreshold}, threshold step {r.Settings.ThresholdStep}, window {r.Settings.Window}"));
        var table = new Table().Border(TableBorder.Rounded);
        table.AddColumn("metric (%)");
        foreach (var key in r.Methods.Keys)
        {
            table.AddColumn(new TableColumn(Markup.Escape(CamMethods.TryParse(key, out var m) ? m.DisplayName() : key)).RightAligned());
        }
        void Row(string name, Func<MethodScores, string> f) =>
            table.AddRow([Markup.Escape(name), .. r.Methods.Values.Select(v => Markup.Escape(f(v)))]);
        string F(double v) => v.ToString("F2", CultureInfo.InvariantCulture);
        if (r.Dataset.HasMasks)
        {
            Row("PxAP", v => v.Pxap is double p ? F(p) : "—");
            Row("Best pixel IoU", v => v.BestPixelIoU is double p ? F(p) : "—");
            Row("  at threshold", v => v.BestPixelIoUThreshold is double t ? t.ToString("0.###", CultureInfo.InvariantCulture) : "—");
        }
        Row("Top-1 Loc", v => F(v.Top1Loc));
        if (r.Model.NumClasses > 5) Row("Top-5 Loc", v => v.Top5Loc is double t ? F(t) : "—");
        Row("GT-known Loc", v => F(v.GtKnownLoc));
        Row("MaxBoxAcc", v => F(v.MaxBoxAcc));
        Row("  at threshold", v => v.MaxBoxAccThreshold.ToString("0.###", CultureInfo.InvariantCulture));
        Row("MaxBoxAccV2", v => F(v.MaxBoxAccV2));
        var ious = r.Settings.MultiIoUs ?? [.. MultiIoUs.Default];
        Row($"  IoU {MultiIoUs.Text(ious)}", v => string.Join(" / ", ious.Select(d => F(v.MaxBoxAccV2ByIou[MultiIoUs.Key(d)]))));
        Row("Pointing game", v => v.PointingGame is double p ? F(p) : "—");
        Row("Energy pointing game", v => v.EnergyPointingGame is double e ? F(e) : "—");
        console.Write(table);
        var c = r.Classification;
        var pcText = c.PcMiEstimateNats is double pc ? FormattableString.Invariant($", PC-softmax {pc:F3} nats") : "";
        console.WriteLine(FormattableString.Invariant(
            $"classification  Top-1 {c.Top1:F2} %, Top-5 {c.Top5:F2} %, MI estimate {c.MiEstimateNats:F3} nats (log C = {Math.Log(r.Model.NumClasses):F3}){pcText}"));
        if (r.Dataset.ClassesUsed is int used)
        {
            console.WriteLine($"classes         the {r.Dataset.Split} split {ClassCounts.Usage(used, r.Model.NumClasses)}; top-1 is taken over all outputs");
        }
        if (r.SkippedImages.Count > 0)
        {
            console.WriteLine($"skipped {r.SkippedImages.Count} image(s) that could not be decoded; the first: {r.SkippedImages[0]}");
        }
        console.WriteLine(FormattableString.Invariant(
            $"time    {r.Seconds.Total:F1} s: decode {r.Seconds.Decode:F1}, preprocess {r.Seconds.Preprocess:F1}, inference {r.Seconds.Inference:F1}, localization {r.Seconds.Localization:F1} ({r.Images / Math.Max(r.Seconds.Total, 1e-9):F1} images/s)"));
    }

    private static void PrintBench(IAnsiConsole console, List<EvaluationResult> results, double[] steps)
    {
        var table = new Table().Border(TableBorder.Rounded);
        foreach (var col in new[] { "threshold step", "images", "images/s", "total s", "decode s", "preprocess s", "inference s", "localization s", "localization ms/image" })
        {
            table.AddColumn(new TableColumn(col).RightAligned());
        }
        for (int i = 0; i < results.Count; i++)
        {
            var r = results[i];
            var s = r.Seconds;
            string F(double v, string f = "F2") => v.ToString(f, CultureInfo.InvariantCulture);
            table.AddRow(steps[i].ToString("0.####", CultureInfo.InvariantCulture), r.Images.ToString(CultureInfo.InvariantCulture),
                F(r.Images / Math.Max(s.Total, 1e-9), "F1"), F(s.Total), F(s.Decode), F(s.Preprocess), F(s.Inference), F(s.Localization),
                F(1000 * s.Localization / Math.Max(1, r.Images), "F3"));
        }
        console.Write(table);
        console.WriteLine($"provider {results[0].Model.Provider}; decode, preprocess and localization ms/image are CPU time over all threads, inference is ONNX Runtime's wall time (stages overlap, so they can add up to more than the total).");
        if (results.Count > 1)
        {
            var baseLoc = results[0].Seconds.Localization;
            for (int i = 1; i < results.Count; i++)
            {
                console.WriteLine(FormattableString.Invariant(
                    $"localization time, step {steps[i]} vs {steps[0]}: {results[i].Seconds.Localization / Math.Max(baseLoc, 1e-9):F2}x"));
            }
        }
    }

    /// <summary>IProgress that calls back synchronously on the reporting thread (no SynchronizationContext hop).</summary>
    private sealed class SyncProgress<T>(Action<T> action) : IProgress<T>
    {
        public void Report(T value) => action(value);
    }
}
