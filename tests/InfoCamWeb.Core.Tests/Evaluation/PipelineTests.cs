using InfoCamWeb.Core.Datasets;
using InfoCamWeb.Core.Evaluation;
using InfoCamWeb.Core.Inference;
using InfoCamWeb.Core.Models;
using Microsoft.ML.OnnxRuntime;

namespace InfoCamWeb.Core.Tests.Evaluation;

/// <summary>The last stage localizes two batches at once; what the run reports must still come in split order.</summary>
public class PipelineTests
{
    private static LoadedModel DemoModel() => ModelLoader.Load(Path.Combine(Fixtures.RepoRoot, "datasets", "demo-model", "demo-cnn.onnx"));

    private static Dataset Demo() => DatasetLoader.Load(Path.Combine(Fixtures.RepoRoot, "datasets", "demo-cub"));

    [Fact]
    public async Task Outcomes_and_progress_come_in_split_order_while_two_batches_are_localized_at_once()
    {
        var settings = new EvaluationSettings { Provider = ProviderChoice.Cpu, BatchSize = 2 };
        var seen = new List<int>();
        var done = new List<int>();
        var result = await new Evaluator(DemoModel(), Demo(), settings) { Overlap = 2 }
            .RunAsync(new SyncProgress(p => done.Add(p.Done)), o => seen.Add(o.Index));

        Assert.Equal(160, result.Images);
        Assert.Equal(Enumerable.Range(0, 160), seen);
        Assert.Equal(Enumerable.Range(1, 80).Select(b => 2 * b), done);
    }

    [Fact]
    public async Task A_run_stopped_by_its_outcome_callback_reports_that_error_and_gives_every_input_buffer_back()
    {
        var model = DemoModel();
        using var memory = new OrtMemoryInfo(OrtMemoryInfo.allocatorCPU, OrtAllocatorType.ArenaAllocator, 0, OrtMemType.Default);
        using var engine = new InferenceEngine(model, ProviderChoice.Cpu, hostInputs: memory);
        var pool = Assert.IsType<NativeInputPool>(engine.Inputs);
        var settings = new EvaluationSettings { Provider = ProviderChoice.Cpu, BatchSize = 2 };

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            new Evaluator(model, Demo(), settings) { Overlap = 2 }.RunAsync(new ImageRange(0, 160), null,
                o => { if (o.Index == 7) throw new InvalidOperationException("the store is full"); }, null, engine));

        Assert.Equal("the store is full", ex.Message);
        Assert.True(pool.Allocated > 0);
        Assert.Equal(pool.Allocated, pool.Available);
    }

    [Fact]
    public async Task A_run_stopped_by_a_broken_image_still_reports_every_batch_localized_before_it()
    {
        using var dir = new TempDir();
        var broken = Fixtures.DemoWithBrokenImages(dir, 9);
        var seen = new List<int>();
        var settings = new EvaluationSettings { Provider = ProviderChoice.Cpu, BatchSize = 2 };

        await Assert.ThrowsAsync<EvaluationException>(() =>
            new Evaluator(DemoModel(), broken, settings) { Overlap = 2 }.RunAsync(onImage: o => seen.Add(o.Index)));

        // Image 9 is in the fifth batch (8, 9): the four before it were taken by the last stage and are all kept.
        Assert.Equal(Enumerable.Range(0, 8), seen);
    }

    [Fact]
    public async Task The_post_only_benchmark_counts_the_processes_cpu_time_of_its_passes()
    {
        var model = DemoModel();
        using var engine = new InferenceEngine(model, ProviderChoice.Cpu);
        var bench = await new Evaluator(model, Demo(), new EvaluationSettings { Provider = ProviderChoice.Cpu }) { Parallelism = 1 }
            .BenchPostOnlyAsync(engine, limit: 64);

        Assert.True(bench.ProcessCpuSeconds > 0);
        Assert.Equal(bench.ProcessCpuSeconds / bench.Result.Seconds.Total, bench.BusyCores, 12);
    }

    private sealed class SyncProgress(Action<EvaluationProgress> report) : IProgress<EvaluationProgress>
    {
        public void Report(EvaluationProgress value) => report(value);
    }
}
