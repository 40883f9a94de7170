using InfoCamWeb.Cli.Commands;
using InfoCamWeb.Core.Datasets;
using InfoCamWeb.Core.Evaluation;
using InfoCamWeb.Core.Imaging;
using InfoCamWeb.Core.Inference;
using InfoCamWeb.Core.Models;

namespace InfoCamWeb.Cli;

/// <summary>The <c>infocam</c> command: dispatch and the error contract (exit 0 on success, 2 with one line on stderr on bad input).</summary>
public static class CliApp
{
    public const string Usage = """
        infocam - class activation map localization scores (CAM, infoCAM, infoCAM+ and the CAM family) for ONNX classifiers

        usage:
          infocam evaluate --model M.onnx --dataset DIR [--split test|train|val|all]
                           [--methods cam,infocam,infocam+] [--protocol resize224|resize256crop224]
                             (also gradcam, hirescam, xgradcam, gradcam++, layercam, eigencam, ablationcam, scorecam)
                           [--scorecam-channels N]
                           [--cam-threshold 0.2] [--threshold-step 0.01] [--window 4] [--iou-thresholds 30,50,70]
                           [--batch-size N|auto] [--provider auto|cpu|cuda] [--allow-tf32] [--mean r,g,b --std r,g,b]
                           [--input-size S] [--bgr] [--skip-bad-images]
                           [--feature-tensor NAME --classifier-weight INIT [--classifier-bias INIT]]
                           [--output result.json] [--per-image images.csv] [--quiet]
          infocam bench    (the evaluate options) [--steps 0.01,0.001]
          infocam bench --post-only (the evaluate options) [--steps 0.01,0.001] [--cores 1,2] [--repeat 3] [--output bench.json]
                           (inference once, then decode, preprocess, maps, upsampling, sweep and metrics timed alone)
          infocam inspect  --model M.onnx [--feature-tensor NAME --classifier-weight INIT]
          infocam check-dataset --dataset DIR
          infocam subset   --dataset CUB_DIR --classes 3,7 --output DIR   (keeps the class ids)
          infocam make-demo --output DIR [--per-class 40] [--seed 2024]
          infocam make-demo --masks --output DIR [--per-class 20] [--seed 30]   (OpenImages-shaped: masks, PxAP)
          infocam make-demo --imagenet --output DIR [--images 50000] [--classes 1000]   (ImageNet-shaped, for scale)
          infocam make-demo --cub-geometry ANNOTATIONS_DIR --output DIR [--split test|train|all] [--limit N]
        """;

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken = default)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            stdout.WriteLine(Usage);
            return args.Length == 0 ? 2 : 0;
        }
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cts.Cancel(); };
        Console.CancelKeyPress += onCancel;
        try
        {
            var rest = args.Skip(1);
            return args[0] switch
            {
                "evaluate" => await EvaluateCommand.RunAsync(rest, stdout, stderr, bench: false, cts.Token),
                "bench" => await EvaluateCommand.RunAsync(rest, stdout, stderr, bench: true, cts.Token),
                "inspect" => InspectCommand.Run(rest, stdout),
                "check-dataset" => CheckDatasetCommand.Run(rest, stdout),
                "make-demo" => MakeDemoCommand.Run(rest, stdout),
                "subset" => SubsetCommand.Run(rest, stdout),
                "worker" => throw new UsageException("the worker is its own service now: dotnet run --project src/InfoCamWeb.Worker (see the README)."),
                _ => throw new UsageException($"unknown command '{args[0]}'; run 'infocam --help'."),
            };
        }
        catch (DatasetException ex)
        {
            var first = ex.Problems[0].ToString();
            stderr.WriteLine(ex.TotalProblems == 1
                ? $"infocam: error: {first}"
                : $"infocam: error: {ex.TotalProblems} problems in the dataset, the first: {first} (run 'infocam check-dataset' to list them all)");
            return 2;
        }
        catch (Exception ex) when (ex is UsageException or ModelException or EvaluationException or ProviderUnavailableException
                                       or ImageDecodeException or FormatException or ArgumentException or IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"infocam: error: {OneLine(ex.Message)}");
            return 2;
        }
        catch (OperationCanceledException)
        {
            stderr.WriteLine("infocam: cancelled.");
            return 130;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    private static string OneLine(string s) => string.Join(" ", s.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    /// <summary>The head-override options shared by evaluate, bench and inspect.</summary>
    internal static HeadOverrides? Overrides(CliArgs a)
    {
        var o = new HeadOverrides
        {
            FeatureTensor = a.Get("feature-tensor"),
            WeightInitializer = a.Get("classifier-weight"),
            BiasInitializer = a.Get("classifier-bias"),
        };
        return o.Any ? o : null;
    }

    internal static Preprocessing? PreprocessingFrom(CliArgs a, LoadedModel model)
    {
        var mean = a.Triple("mean");
        var std = a.Triple("std");
        var size = a.Get("input-size") is null ? (int?)null : a.Int("input-size", 224);
        bool bgr = a.Flag("bgr");
        if (mean is null && std is null && size is null && !bgr) return null;
        if (std is not null && std.Any(s => s <= 0)) throw new UsageException("--std values must be positive.");
        if (size is < 1 or > ModelLoader.MaxInputSide) throw new UsageException($"--input-size must be between 1 and {ModelLoader.MaxInputSide}.");
        return new Preprocessing(size ?? model.Head.FixedInputSize ?? 224, mean ?? Preprocessing.ImageNetMean, std ?? Preprocessing.ImageNetStd, bgr);
    }

    internal static ProviderChoice Provider(CliArgs a) => ExecutionProviders.Parse(a.Get("provider") ?? "auto");
}
