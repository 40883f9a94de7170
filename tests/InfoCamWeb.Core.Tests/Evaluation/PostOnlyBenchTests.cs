using InfoCamWeb.Core.Datasets;
using InfoCamWeb.Core.Evaluation;
using InfoCamWeb.Core.Inference;
using InfoCamWeb.Core.Models;

namespace InfoCamWeb.Core.Tests.Evaluation;

public class PostOnlyBenchTests
{
    private static readonly StageSeconds NoTime = new(0, 0, 0, 0, 0);

    private static string Json(EvaluationResult r) => ResultFiles.ToJson(r with { Seconds = NoTime });

    private static LoadedModel DemoModel() => ModelLoader.Load(Path.Combine(Fixtures.RepoRoot, "datasets", "demo-model", "demo-cnn.onnx"));

    [Fact]
    public async Task The_post_only_benchmark_in_chunks_gives_the_evaluations_result_with_skipped_images_in_split_order()
    {
        using var dir = new TempDir();
        var ds = Fixtures.DemoWithBrokenImages(dir, 5, 100);
        var model = DemoModel();
        var settings = new EvaluationSettings { Provider = ProviderChoice.Cpu, SkipBadImages = true, BatchSize = 8 };
        var evaluated = await new Evaluator(model, ds, settings).RunAsync();

        using var engine = new InferenceEngine(model, ProviderChoice.Cpu);
        // A budget below one image's outputs: every chunk is a single batch, 20 of them.
        var bench = await new Evaluator(model, ds, settings).BenchPostOnlyAsync(engine, memoryBudget: 1);

        Assert.Equal(158, bench.Result.Images);
        Assert.Equal(2, bench.Result.SkippedImages.Count);
        Assert.Equal(Json(evaluated), Json(bench.Result));
        Assert.Equal(0, bench.Result.Seconds.Inference);
        Assert.True(bench.InferencePasses.Inference > 0);
        var stages = bench.Result.Seconds.LocalizationStages!;
        Assert.All(new[] { stages.Maps, stages.Upsampling, stages.Sweep, stages.Metrics }, s => Assert.True(s > 0));
    }

    [Fact]
    public async Task A_batch_whose_every_image_is_skipped_still_lists_them_in_split_order()
    {
        // Batches of one image (what a model with a fixed batch size gets): a broken image leaves its batch empty.
        using var dir = new TempDir();
        var ds = Fixtures.DemoWithBrokenImages(dir, 100, 5);
        var settings = new EvaluationSettings { Provider = ProviderChoice.Cpu, SkipBadImages = true, BatchSize = 1 };
        var result = await new Evaluator(DemoModel(), ds, settings).RunAsync();
        var test = ds.Select(DatasetSplit.Test);
        Assert.Equal(158, result.Images);
        Assert.Equal(2, result.SkippedImages.Count);
        Assert.StartsWith($"images.txt, line {test[5].ListedLine}:", result.SkippedImages[0]);
        Assert.StartsWith($"images.txt, line {test[100].ListedLine}:", result.SkippedImages[1]);
    }

    [Fact]
    public async Task Images_decoded_in_parallel_report_the_first_broken_image_in_split_order()
    {
        using var dir = new TempDir();
        var ds = Fixtures.DemoWithBrokenImages(dir, 3, 6);
        var first = ds.Select(DatasetSplit.Test)[3];
        for (int attempt = 0; attempt < 3; attempt++)
        {
            var ex = await Assert.ThrowsAsync<EvaluationException>(() =>
                new Evaluator(DemoModel(), ds, new EvaluationSettings { Provider = ProviderChoice.Cpu, BatchSize = 8 }).RunAsync());
            Assert.StartsWith($"images.txt, line {first.ListedLine}: '{first.RelativePath}'", ex.Message);
        }
    }

    [Fact]
    public async Task Score_cam_is_refused_by_the_post_only_benchmark_with_the_reason()
    {
        var ds = DatasetLoader.Load(Path.Combine(Fixtures.RepoRoot, "datasets", "demo-cub"));
        var settings = new EvaluationSettings { Provider = ProviderChoice.Cpu, Methods = [Core.Cams.CamMethod.Cam, Core.Cams.CamMethod.ScoreCam] };
        using var engine = new InferenceEngine(DemoModel(), ProviderChoice.Cpu);
        var ex = await Assert.ThrowsAsync<EvaluationException>(() => new Evaluator(DemoModel(), ds, settings).BenchPostOnlyAsync(engine));
        Assert.Contains("Score-CAM runs the model for every map", ex.Message);
    }
}
