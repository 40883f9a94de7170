using InfoCamWeb.Cli;

namespace InfoCamWeb.Core.Tests.Cli;

public class CliAppTests
{
    private static async Task<(int Code, string Out, string Err)> Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = await CliApp.RunAsync(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    private static string Demo(params string[] parts) => Path.Combine([Fixtures.RepoRoot, "datasets", .. parts]);

    /// <summary>The demo model on the demo dataset, CPU provider, no progress output.</summary>
    private static string[] DemoOnCpu => ["--model", Demo("demo-model", "demo-cnn.onnx"), "--dataset", Demo("demo-cub"), "--provider", "cpu", "--quiet"];

    /// <summary>The bench JSON's <c>result</c> is the result file <c>evaluate</c> wrote, but for the seconds.</summary>
    private static void AssertSameResultButSeconds(string evaluatedJsonPath, System.Text.Json.JsonElement bench)
    {
        var fromBench = Core.Evaluation.ResultFiles.FromJson(bench.GetProperty("result").GetRawText());
        var fromEvaluate = Core.Evaluation.ResultFiles.FromJson(File.ReadAllText(evaluatedJsonPath));
        var none = new Core.Evaluation.StageSeconds(0, 0, 0, 0, 0);
        Assert.Equal(Core.Evaluation.ResultFiles.ToJson(fromEvaluate with { Seconds = none }), Core.Evaluation.ResultFiles.ToJson(fromBench with { Seconds = none }));
    }

    [Fact]
    public async Task Evaluate_on_the_demo_prints_the_table_and_writes_json_and_csv()
    {
        using var dir = new TempDir();
        var json = Path.Combine(dir.Path, "r.json");
        var csv = Path.Combine(dir.Path, "i.csv");
        var (code, stdout, stderr) = await Run("evaluate", "--model", Demo("demo-model", "demo-cnn.onnx"), "--dataset", Demo("demo-cub"),
            "--provider", "cpu", "--output", json, "--per-image", csv);
        Assert.True(code == 0, stderr);
        Assert.Contains("Top-1 Loc", stdout);
        Assert.Contains("infoCAM+", stdout);
        var result = Core.Evaluation.ResultFiles.FromJson(File.ReadAllText(json));
        Assert.Equal(160, result.Images);
        Assert.Equal(["cam", "infocam", "infocam+"], result.Methods.Keys);
        Assert.Equal(100, result.Methods["cam"].BoxAccCurve.Length);
        var lines = File.ReadAllLines(csv);
        Assert.Equal(161, lines.Length);
        Assert.StartsWith("image_id,gt,pred,cam_x0,cam_y0,cam_x1,cam_y1,cam_iou,infocam_x0", lines[0]);
    }

    [Fact]
    public async Task Bench_post_only_prints_each_stage_and_writes_the_evaluations_result_next_to_its_rates()
    {
        using var dir = new TempDir();
        var evaluated = Path.Combine(dir.Path, "r.json");
        var benched = Path.Combine(dir.Path, "b.json");
        var common = DemoOnCpu;
        Assert.Equal(0, (await Run(["evaluate", .. common, "--output", evaluated])).Code);
        var (code, stdout, stderr) = await Run(["bench", "--post-only", .. common, "--steps", "0.01,0.001", "--output", benched]);
        Assert.True(code == 0, stderr);
        foreach (var column in new[] { "post img/s", "decode", "preprocess", "maps", "upsampling", "sweep", "metrics" })
        {
            Assert.Contains(column, stdout);
        }

        using var bench = System.Text.Json.JsonDocument.Parse(File.ReadAllText(benched));
        Assert.True(bench.RootElement.GetProperty("postImagesPerSecond").GetDouble() > 0);
        var runs = bench.RootElement.GetProperty("runs");
        Assert.Equal([0.01, 0.001], runs.EnumerateArray().Select(r => r.GetProperty("thresholdStep").GetDouble()));
        Assert.True(runs[0].GetProperty("msPerImage").GetProperty("sweep").GetDouble() > 0);
        Assert.True(bench.RootElement.GetProperty("endToEndImagesPerSecond").GetDouble() > 0);
        var limitedBy = bench.RootElement.GetProperty("limitedBy").GetString();
        Assert.Contains(limitedBy, new[] { "inference", "post-processing" });
        Assert.Contains($"limited by {limitedBy}", stdout);
        Assert.Equal(16, bench.RootElement.GetProperty("batch").GetProperty("size").GetInt32());
        Assert.Equal("CPU default", bench.RootElement.GetProperty("batch").GetProperty("how").GetString());
        Assert.Equal(0, bench.RootElement.GetProperty("scaling").GetArrayLength()); // one core count: nothing to scale from
        AssertSameResultButSeconds(evaluated, bench.RootElement);
    }

    [Fact]
    public async Task Bench_post_only_at_step_0_001_writes_the_result_evaluate_gives_at_that_step()
    {
        using var dir = new TempDir();
        var evaluated = Path.Combine(dir.Path, "r.json");
        var benched = Path.Combine(dir.Path, "b.json");
        var common = DemoOnCpu;
        Assert.Equal(0, (await Run(["evaluate", .. common, "--threshold-step", "0.001", "--output", evaluated])).Code);
        var (code, _, stderr) = await Run(["bench", "--post-only", .. common, "--steps", "0.001", "--output", benched]);
        Assert.True(code == 0, stderr);

        using var bench = System.Text.Json.JsonDocument.Parse(File.ReadAllText(benched));
        Assert.Equal(1000, Core.Evaluation.ResultFiles.FromJson(File.ReadAllText(evaluated)).Methods["cam"].BoxAccCurve.Length);
        AssertSameResultButSeconds(evaluated, bench.RootElement);
    }

    [SkippableFact]
    public async Task Bench_post_only_on_one_core_measures_there_and_gives_every_thread_its_cores_back()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "--cores pins threads on Linux only");
        // A thread may end between the listing and the read: it has no affinity left to check.
        static string? AffinityOf(string task)
        {
            try { return File.ReadLines(Path.Combine(task, "status")).FirstOrDefault(l => l.StartsWith("Cpus_allowed_list:")); }
            catch (IOException) { return null; }
        }
        static string[] Affinities() => Directory.GetDirectories("/proc/self/task").Select(AffinityOf).OfType<string>().Distinct().ToArray();
        var before = Affinities();
        var (code, stdout, stderr) = await Run("bench", "--post-only", "--model", Demo("demo-model", "demo-cnn.onnx"), "--dataset", Demo("demo-cub"),
            "--provider", "cpu", "--quiet", "--steps", "0.01", "--cores", "1", "--repeat", "2");
        Assert.True(code == 0, stderr);
        Assert.Matches(@"│\s+0\.01\s+│\s+1\s+│", stdout);
        Assert.Equal(before, Affinities());
    }

    [SkippableFact]
    public async Task Bench_post_only_on_one_then_two_cores_prints_busy_cores_and_the_paired_scaling()
    {
        Skip.IfNot(OperatingSystem.IsLinux() && Environment.ProcessorCount >= 2, "--cores 1,2 pins threads to two cores on Linux");
        using var dir = new TempDir();
        var benched = Path.Combine(dir.Path, "b.json");
        var (code, stdout, stderr) = await Run("bench", "--post-only", "--model", Demo("demo-model", "demo-cnn.onnx"), "--dataset", Demo("demo-cub"),
            "--provider", "cpu", "--quiet", "--steps", "0.01", "--cores", "1,2", "--repeat", "2", "--output", benched);
        Assert.True(code == 0, stderr);
        Assert.Contains("busy cores", stdout);
        Assert.Matches(@"step 0\.01: 2 cores vs 1: \d+\.\d\dx \(median of 2 rounds' ratios", stdout);

        using var bench = System.Text.Json.JsonDocument.Parse(File.ReadAllText(benched));
        var runs = bench.RootElement.GetProperty("runs").EnumerateArray().ToList();
        Assert.Equal([1, 2], runs.Select(r => r.GetProperty("cores").GetInt32()));
        foreach (var run in runs)
        {
            // Busy cores: CPU seconds over wall seconds, never more than the cores the pass was pinned to (a little slack for clock reads).
            double busy = run.GetProperty("busyCores").GetDouble();
            Assert.InRange(busy, 0.05, run.GetProperty("cores").GetInt32() + 0.1);
        }
        var scaling = Assert.Single(bench.RootElement.GetProperty("scaling").EnumerateArray());
        Assert.Equal(2, scaling.GetProperty("pairs").GetInt32());
        Assert.Equal(1, scaling.GetProperty("fromCores").GetInt32());
        Assert.Equal(2, scaling.GetProperty("cores").GetInt32());
        // One row per core count is the median pass: the ratio of those rows' rates is the figure printed beside the paired one.
        double ofMedians = runs[1].GetProperty("postImagesPerSecond").GetDouble() / runs[0].GetProperty("postImagesPerSecond").GetDouble();
        Assert.Equal(ofMedians, scaling.GetProperty("ofMedians").GetDouble(), 6);
        // Two rounds: the paired figure is the mean of the two rounds' 2-core over 1-core ratios.
        double[] Repeats(int i) => runs[i].GetProperty("repeats").EnumerateArray().Select(r => r.GetDouble()).ToArray();
        double paired = (Repeats(1)[0] / Repeats(0)[0] + Repeats(1)[1] / Repeats(0)[1]) / 2;
        Assert.Equal(paired, scaling.GetProperty("paired").GetDouble(), 6);
    }

    [Fact]
    public async Task Post_only_and_cores_are_refused_outside_the_benchmark()
    {
        var (code, _, stderr) = await Run("evaluate", "--model", Demo("demo-model", "demo-cnn.onnx"), "--dataset", Demo("demo-cub"), "--post-only");
        Assert.Equal(2, code);
        Assert.StartsWith("infocam: error: --post-only, --cores and --repeat belong to 'infocam bench'", stderr);
    }

    [Theory]
    [InlineData(new[] { "evaluate", "--dataset", "x" }, "infocam: error: --model is required.")]
    [InlineData(new[] { "evaluate", "--model", "/nonexistent.onnx", "--dataset", "x" }, "infocam: error: /nonexistent.onnx: the model file does not exist.")]
    [InlineData(new[] { "frobnicate" }, "infocam: error: unknown command 'frobnicate'")]
    [InlineData(new[] { "evaluate", "--model", "m", "--dataset", "d", "--methods", "nosuchcam" }, "infocam: error: Unknown method 'nosuchcam': expected one of cam, infocam, infocam+, gradcam,")]
    [InlineData(new[] { "evaluate", "--model", "m", "--dataset", "d", "--threshold-step", "0" }, "infocam: error: --threshold-step 0 must be in (0, 1).")]
    public async Task Bad_input_exits_with_2_and_one_line_on_stderr(string[] args, string expected)
    {
        var (code, _, stderr) = await Run(args);
        Assert.Equal(2, code);
        Assert.StartsWith(expected, stderr);
        Assert.Single(stderr.TrimEnd().Split('\n'));
        Assert.DoesNotContain("   at ", stderr);
    }

    [Fact]
    public async Task A_bad_dataset_is_reported_with_its_file_and_line()
    {
        using var dir = new TempDir();
        Datasets.TinyCub.Write(dir, "");
        File.WriteAllText(Path.Combine(dir.Path, "bounding_boxes.txt"), "1 1 2 3 4\n2 0 0 5 5\n3 Infinity 2 2 2\n");
        var (code, _, stderr) = await Run("evaluate", "--model", Demo("demo-model", "demo-cnn.onnx"), "--dataset", dir.Path);
        Assert.Equal(2, code);
        Assert.Equal("infocam: error: bounding_boxes.txt, line 3, x: 'Infinity' is not a finite number.", stderr.Trim());
    }

    [Fact]
    public async Task Evaluating_a_200_class_model_on_the_8_class_demo_runs_and_says_how_many_classes_it_uses()
    {
        var (code, stdout, _) = await Run("evaluate", "--model", Demo("demo-model", "bench-200.onnx"), "--dataset", Demo("demo-cub"), "--methods", "cam");
        Assert.Equal(0, code);
        Assert.Contains("classes         the test split uses 8 of the model's 200 classes; top-1 is taken over all outputs", stdout);
    }

    [Fact]
    public async Task The_maxboxaccv2_iou_list_is_an_option_and_a_bad_one_is_refused()
    {
        using var dir = new TempDir();
        var json = Path.Combine(dir.Path, "r.json");
        var (code, stdout, _) = await Run("evaluate", "--model", Demo("demo-model", "demo-cnn.onnx"), "--dataset", Demo("demo-cub"), "--methods", "cam",
            "--iou-thresholds", "70,40", "--output", json);
        Assert.Equal(0, code);
        Assert.Contains("IoU 40 / 70", stdout);
        Assert.Contains("\"maxBoxAccV2IoUs\": [\n      40,\n      70\n    ]", File.ReadAllText(json).ReplaceLineEndings("\n"));
        var (bad, _, stderr) = await Run("evaluate", "--model", Demo("demo-model", "demo-cnn.onnx"), "--dataset", Demo("demo-cub"), "--iou-thresholds", "40,x");
        Assert.Equal(2, bad);
        Assert.Equal("infocam: error: --iou-thresholds: 'x' is not a whole percentage (e.g. 30,50,70).", stderr.Trim());
    }

    [Fact]
    public async Task A_label_beyond_the_models_outputs_is_refused_with_its_file_and_line()
    {
        using var dir = new TempDir();
        Datasets.TinyCub.Write(dir, "");
        dir.Write("classes.txt", "1 a\n12 b\n");
        dir.Write("image_class_labels.txt", "1 1\n2 1\n3 12\n");
        var (code, _, stderr) = await Run("evaluate", "--model", Demo("demo-model", "demo-cnn.onnx"), "--dataset", dir.Path);
        Assert.Equal(2, code);
        Assert.StartsWith("infocam: error: image_class_labels.txt, line 3: label 12 is model output 11, but the model has 8 outputs", stderr.Trim());
    }

    [Fact]
    public async Task Subset_writes_the_chosen_classes_with_their_ids_and_refuses_an_unused_one()
    {
        using var dir = new TempDir();
        var output = Path.Combine(dir.Path, "sub");
        var (code, stdout, _) = await Run("subset", "--dataset", Demo("demo-cub"), "--classes", "2,5", "--output", output);
        Assert.Equal(0, code);
        Assert.StartsWith($"80 images of classes 2, 5 written to {output}", stdout);
        Assert.Equal(["2", "5"], File.ReadAllLines(Path.Combine(output, "image_class_labels.txt")).Select(l => l.Split(' ')[1]).Distinct());
        var (bad, _, stderr) = await Run("subset", "--dataset", Demo("demo-cub"), "--classes", "2,x", "--output", Path.Combine(dir.Path, "other"));
        Assert.Equal(2, bad);
        Assert.Equal("infocam: error: --classes: 'x' is not a class id (a positive integer, as in classes.txt).", stderr.Trim());
    }
}
