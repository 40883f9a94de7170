using System.Globalization;
using System.Text.Json;
using InfoCamWeb.Core.Datasets;
using InfoCamWeb.Core.Evaluation;
using InfoCamWeb.Core.Models;

namespace InfoCamWeb.Core.Tests.Evaluation;

/// <summary>
/// The whole engine on the committed demo (datasets/) against the independent PyTorch + OpenCV pipeline of
/// tools/reference_eval.py (PIL, torchvision, cv2.resize, cv2.findContours), whose outputs are committed beside this file.
/// </summary>
public class DemoReferenceTests
{
    internal static readonly Lazy<LoadedModel> Model = new(() =>
        ModelLoader.Load(Path.Combine(Fixtures.RepoRoot, "datasets", "demo-model", "demo-cnn.onnx")));

    internal static readonly Lazy<Dataset> Demo = new(() =>
        DatasetLoader.Load(Path.Combine(Fixtures.RepoRoot, "datasets", "demo-cub")));

    private static string Here(string file) => Path.Combine(Fixtures.RepoRoot, "tests", "InfoCamWeb.Core.Tests", "Evaluation", file);

    /// <summary>The CAM family, whose reference maps come from autograd gradients (tools/reference_family.py).</summary>
    private const string Family = "gradcam,hirescam,xgradcam,gradcam++,layercam,eigencam,ablationcam";

    [Theory]
    [InlineData("cam,infocam,infocam+", 0.01, "demo-reference.json")]
    [InlineData("cam,infocam,infocam+", 0.001, "demo-reference-step0.001.json")]
    [InlineData(Family, 0.01, "demo-family-reference.json")]
    [InlineData("scorecam", 0.01, "demo-scorecam-reference.json", 16)]
    [InlineData("cam,infocam,infocam+", 0.01, "demo-reference-iou10-40-60-90.json", null, "90,10,40,60")]
    public async Task Every_metric_equals_the_pytorch_opencv_reference(string methods, double step, string referenceFile, int? scoreCamChannels = null, string? ious = null)
    {
        var outcomes = new List<ImageOutcome>();
        var settings = new EvaluationSettings
        {
            Methods = Core.Cams.CamMethods.ParseList(methods), ThresholdStep = step, Provider = Core.Inference.ProviderChoice.Cpu, ScoreCamChannels = scoreCamChannels,
            MultiIoUs = ious is null ? MultiIoUs.Default : MultiIoUs.Parse(ious),
        };
        var result = await new Evaluator(Model.Value, Demo.Value, settings).RunAsync(onImage: outcomes.Add);
        AssertMetrics(referenceFile, result);
        Assert.Equal(160, outcomes.Count);
    }

    /// <summary>
    /// Score-CAM over all 128 channels (20,480 masked passes; the other cases cap it at 16 to stay quick): metrics, boxes
    /// and IoUs from one evaluation.
    /// </summary>
    [Fact]
    public async Task Score_cam_over_every_channel_equals_the_reference_box_for_box()
    {
        var rows = new Dictionary<string, string>();
        var settings = new EvaluationSettings { Methods = [Core.Cams.CamMethod.ScoreCam], Provider = Core.Inference.ProviderChoice.Cpu };
        var result = await new Evaluator(Model.Value, Demo.Value, settings)
            .RunAsync(onImage: o => rows[o.ImageId] = ResultFiles.CsvRow(o, Demo.Value));
        AssertMetrics("demo-scorecam-all-reference.json", result);
        AssertRows("demo-scorecam-all-reference.csv", settings.Methods, rows);
    }

    [Fact]
    public async Task Cancelling_during_score_cam_passes_is_a_cancellation_not_a_failure()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(3));
        var settings = new EvaluationSettings { Methods = [Core.Cams.CamMethod.ScoreCam], Provider = Core.Inference.ProviderChoice.Cpu };
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new Evaluator(Model.Value, Demo.Value, settings).RunAsync(cancellationToken: cts.Token));
    }

    internal static void AssertMetrics(string referenceFile, EvaluationResult result)
    {
        using var reference = JsonDocument.Parse(File.ReadAllText(Here(referenceFile)));
        var root = reference.RootElement;
        Assert.Equal(root.GetProperty("images").GetInt32(), result.Images);
        Assert.Equal(root.GetProperty("classification").GetProperty("top1").GetDouble(), result.Classification.Top1, 9);
        Assert.Equal(root.GetProperty("classification").GetProperty("top5").GetDouble(), result.Classification.Top5, 9);
        Assert.Equal(root.GetProperty("classification").GetProperty("miEstimateNats").GetDouble(), result.Classification.MiEstimateNats, 4);
        Assert.Equal(root.GetProperty("classification").GetProperty("pcMiEstimateNats").GetDouble(), result.Classification.PcMiEstimateNats!.Value, 4);
        Assert.Equal(root.GetProperty("methods").EnumerateObject().Select(m => m.Name), result.Methods.Keys);
        foreach (var method in root.GetProperty("methods").EnumerateObject())
        {
            var ours = result.Methods[method.Name];
            var r = method.Value;
            Assert.Equal(r.GetProperty("gtKnownLoc").GetDouble(), ours.GtKnownLoc, 9);
            Assert.Equal(r.GetProperty("top1Loc").GetDouble(), ours.Top1Loc, 9);
            Assert.Equal(r.GetProperty("top5Loc").GetDouble(), ours.Top5Loc!.Value, 9);
            Assert.Equal(r.GetProperty("maxBoxAcc").GetDouble(), ours.MaxBoxAcc, 9);
            Assert.Equal(r.GetProperty("maxBoxAccThreshold").GetDouble(), ours.MaxBoxAccThreshold, 9);
            Assert.Equal(r.GetProperty("maxBoxAccV2").GetDouble(), ours.MaxBoxAccV2, 9);
            var byIoU = r.GetProperty("maxBoxAccV2ByIou").EnumerateObject().ToList();
            Assert.Equal(byIoU.Select(p => p.Name), ours.MaxBoxAccV2ByIou.Keys);
            foreach (var d in byIoU)
            {
                Assert.Equal(d.Value.GetDouble(), ours.MaxBoxAccV2ByIou[d.Name], 9);
            }
            var curve = r.GetProperty("boxAccCurve").EnumerateArray().Select(v => v.GetDouble()).ToArray();
            Assert.Equal(curve.Length, ours.BoxAccCurve.Length);
            for (int k = 0; k < curve.Length; k++)
            {
                Assert.Equal(curve[k], ours.BoxAccCurve[k], 9);
            }
            AssertPerClass(r.GetProperty("perClassGtKnownLoc"), ours.PerClassGtKnownLoc, 1e-9);
            Assert.Equal(r.GetProperty("pointingGame").GetDouble(), ours.PointingGame!.Value, 9);
            // The energy share is continuous in the unquantised map, which carries the float32 differences between ONNX
            // Runtime's and PyTorch's features (about 1e-7): equal within 1e-4 percentage points, not to the last digit.
            Assert.Equal(r.GetProperty("energyPointingGame").GetDouble(), ours.EnergyPointingGame!.Value, tolerance: 1e-4);
            AssertPerClass(r.GetProperty("perClassPointingGame"), ours.PerClassPointingGame, 1e-9);
            AssertPerClass(r.GetProperty("perClassEnergyPointingGame"), ours.PerClassEnergyPointingGame, 1e-4);
            if (r.TryGetProperty("pxap", out var pxap))
            {
                // Like the energy share, PxAP bins the unquantised map: the float32 differences between ONNX Runtime's
                // and PyTorch's features move a few pixels across bin edges (on identical maps it equals numpy to 1e-10).
                Assert.Equal(pxap.GetDouble(), ours.Pxap!.Value, tolerance: 1e-5);
                Assert.Equal(r.GetProperty("bestPixelIoU").GetDouble(), ours.BestPixelIoU!.Value, 1e-9);
                Assert.Equal(r.GetProperty("bestPixelIoUThreshold").GetDouble(), ours.BestPixelIoUThreshold!.Value);
            }
            else
            {
                Assert.Null(ours.Pxap);
            }
        }
    }

    private static void AssertPerClass(JsonElement expected, Dictionary<string, double> actual, double tolerance)
    {
        var perClass = expected.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetDouble());
        Assert.Equal(perClass.Keys.Order(), actual.Keys.Order());
        foreach (var (label, value) in perClass)
        {
            Assert.Equal(value, actual[label], tolerance);
        }
    }

    [Theory]
    [InlineData("cam,infocam,infocam+", "demo-reference.csv")]
    [InlineData(Family, "demo-family-reference.csv")]
    [InlineData("scorecam", "demo-scorecam-reference.csv", 16)]
    public async Task Every_per_image_box_and_class_equals_the_reference(string methods, string referenceFile, int? scoreCamChannels = null)
    {
        var rows = new Dictionary<string, string>();
        var settings = new EvaluationSettings
        {
            Methods = Core.Cams.CamMethods.ParseList(methods), Provider = Core.Inference.ProviderChoice.Cpu, ScoreCamChannels = scoreCamChannels,
        };
        await new Evaluator(Model.Value, Demo.Value, settings)
            .RunAsync(onImage: o => rows[o.ImageId] = ResultFiles.CsvRow(o, Demo.Value));
        AssertRows(referenceFile, settings.Methods, rows);
    }

    /// <summary>Every per-image CSV value equals the reference's (IoUs as numbers, to 1e-12).</summary>
    internal static void AssertRows(string referenceFile, IReadOnlyList<Core.Cams.CamMethod> methods, Dictionary<string, string> rows)
    {
        var lines = File.ReadAllLines(Here(referenceFile));
        Assert.Equal(ResultFiles.CsvHeader(methods), lines[0]);
        int mismatches = 0;
        foreach (var line in lines.Skip(1))
        {
            var expected = line.Split(',');
            var actual = rows[expected[0]].Split(',');
            for (int i = 0; i < expected.Length; i++)
            {
                bool same = i % 5 == 2 && i > 2 // IoU columns: compare as numbers
                    ? Math.Abs(double.Parse(expected[i], CultureInfo.InvariantCulture) - double.Parse(actual[i], CultureInfo.InvariantCulture)) < 1e-12
                    : expected[i] == actual[i];
                if (!same) mismatches++;
            }
        }
        Assert.Equal(0, mismatches);
    }

    [Fact]
    public async Task On_the_demo_hires_cam_and_xgrad_cam_give_grad_cam_boxes_and_grad_cam_is_clipped_cam()
    {
        var settings = new EvaluationSettings
        {
            Methods = Core.Cams.CamMethods.ParseList("gradcam,hirescam,xgradcam,cam"), Provider = Core.Inference.ProviderChoice.Cpu,
        };
        var outcomes = new List<ImageOutcome>();
        await new Evaluator(Model.Value, Demo.Value, settings).RunAsync(onImage: outcomes.Add);
        int channels = Model.Value.Head.Channels;
        foreach (var o in outcomes)
        {
            Assert.Equal(o.Methods[0].FixedBox, o.Methods[1].FixedBox);
            Assert.Equal(o.Methods[0].FixedBox, o.Methods[2].FixedBox);
            // Grad-CAM = max(CAM, 0) * K / (h w), value by value (maps stored as float).
            var (grad, cam) = (o.Maps[0], o.Maps[3]);
            double factor = channels / (double)(cam.Height * cam.Width);
            for (int p = 0; p < cam.Values.Length; p++)
            {
                Assert.Equal(Math.Max(cam.Values[p], 0) * factor, grad.Values[p], Math.Abs(grad.Values[p]) * 1e-6 + 1e-9);
            }
        }
        // The clipping matters: CAM's boxes are not Grad-CAM's on this split.
        Assert.Contains(outcomes, o => o.Methods[0].FixedBox != o.Methods[3].FixedBox);
    }

    [Fact]
    public async Task A_resumed_run_counts_each_image_once_and_gives_the_same_numbers()
    {
        var settings = new EvaluationSettings { Provider = Core.Inference.ProviderChoice.Cpu, BatchSize = 8 };
        var all = new List<ImageOutcome>();
        var full = await new Evaluator(Model.Value, Demo.Value, settings).RunAsync(onImage: all.Add);
        // Pretend the first 70 images were saved before a crash, one of them twice.
        var saved = all.Take(70).Append(all[3]).ToList();
        var fresh = new List<ImageOutcome>();
        var resumed = await new Evaluator(Model.Value, Demo.Value, settings).RunAsync(onImage: fresh.Add, completed: saved);
        Assert.Equal(90, fresh.Count);
        Assert.Equal(full.Images, resumed.Images);
        Assert.Equal(ResultFiles.ToJson(full with { Seconds = resumed.Seconds }), ResultFiles.ToJson(resumed));
    }

    [Fact]
    public async Task Shards_evaluated_in_any_order_with_one_session_and_summarized_in_split_order_equal_one_evaluation()
    {
        var settings = new EvaluationSettings { Provider = Core.Inference.ProviderChoice.Cpu, BatchSize = 8 };
        var full = await new Evaluator(Model.Value, Demo.Value, settings).RunAsync();
        var evaluator = new Evaluator(Model.Value, Demo.Value, settings);
        using var engine = new Core.Inference.InferenceEngine(Model.Value, settings.Provider);
        var outcomes = new List<ImageOutcome>();
        var parts = new List<EvaluationResult>();
        foreach (var range in new[] { new ImageRange(100, 160), new ImageRange(0, 40), new ImageRange(40, 100) })
        {
            var before = outcomes.Count;
            parts.Add(await evaluator.RunAsync(range, null, outcomes.Add, null, engine));
            Assert.All(outcomes.Skip(before), o => Assert.True(range.Contains(o.Index)));
            Assert.Equal(range.Length, parts[^1].Images);
        }
        var summary = evaluator.Summarize(outcomes.OrderBy(o => o.Index), [], full.Seconds, full.Model.Provider, full.Batch);
        Assert.Equal(ResultFiles.ToJson(full), ResultFiles.ToJson(summary));
        Assert.NotEqual(ResultFiles.ToJson(full with { Seconds = parts[0].Seconds }), ResultFiles.ToJson(parts[0]));
    }

    [Fact]
    public async Task A_range_outside_the_split_is_refused_with_the_split_size()
    {
        var evaluator = new Evaluator(Model.Value, Demo.Value, new EvaluationSettings { Provider = Core.Inference.ProviderChoice.Cpu });
        var ex = await Assert.ThrowsAsync<EvaluationException>(() => evaluator.RunAsync(new ImageRange(150, 170), null, null, null, null));
        Assert.Equal("Images 150–169 are outside the split's 160 images.", ex.Message);
    }
}

public class BadImageTests
{
    [Fact]
    public async Task A_broken_image_fails_the_run_with_its_list_line_or_is_skipped_and_listed_when_asked()
    {
        using var dir = new TempDir();
        var ds = Fixtures.DemoWithBrokenImages(dir, 5);
        var victim = ds.Select(DatasetSplit.Test)[5];
        var model = ModelLoader.Load(Path.Combine(Fixtures.RepoRoot, "datasets", "demo-model", "demo-cnn.onnx"));

        var ex = await Assert.ThrowsAsync<EvaluationException>(() => new Evaluator(model, ds, new EvaluationSettings { Provider = Core.Inference.ProviderChoice.Cpu }).RunAsync());
        Assert.StartsWith($"images.txt, line {victim.ListedLine}: '{victim.RelativePath}'", ex.Message);

        var result = await new Evaluator(model, ds, new EvaluationSettings { Provider = Core.Inference.ProviderChoice.Cpu, SkipBadImages = true }).RunAsync();
        Assert.Equal(159, result.Images);
        Assert.StartsWith($"images.txt, line {victim.ListedLine}: '{victim.RelativePath}'", Assert.Single(result.SkippedImages));
    }
}
