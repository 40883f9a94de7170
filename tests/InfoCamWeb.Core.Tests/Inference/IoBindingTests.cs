using InfoCamWeb.Core.Datasets;
using InfoCamWeb.Core.Evaluation;
using InfoCamWeb.Core.Inference;
using InfoCamWeb.Core.Models;
using Microsoft.ML.OnnxRuntime;

namespace InfoCamWeb.Core.Tests.Inference;

public class IoBindingTests
{
    private static LoadedModel DemoModel() => ModelLoader.Load(Path.Combine(Fixtures.RepoRoot, "datasets", "demo-model", "demo-cnn.onnx"));

    private static OrtMemoryInfo CpuMemory() => new(OrtMemoryInfo.allocatorCPU, OrtAllocatorType.ArenaAllocator, 0, OrtMemType.Default);

    private static float[] RandomBatch(int batch, int size, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, batch * 3 * size * size).Select(_ => (float)(rng.NextDouble() * 4 - 2)).ToArray();
    }

    [Fact]
    public void A_bound_run_gives_the_outputs_of_onnx_runtimes_plain_run_bit_for_bit()
    {
        var model = DemoModel();
        var input = RandomBatch(3, 224, 7);
        using var engine = new InferenceEngine(model, ProviderChoice.Cpu);
        var bound = engine.Run(input, 3, 224);

        using var session = new InferenceSession(model.AugmentedModel);
        using var value = OrtValue.CreateTensorValueFromMemory(input, [3, 3, 224, 224]);
        using var plain = session.Run(new RunOptions(), [model.Head.InputName], [value], [model.Head.LogitsTensor, model.Head.FeatureTensor]);

        Assert.Equal(plain[0].GetTensorDataAsSpan<float>().ToArray(), bound.Logits);
        Assert.Equal(plain[1].GetTensorDataAsSpan<float>().ToArray(), bound.Features);
    }

    [Fact]
    public void Native_input_buffers_give_the_same_outputs_as_managed_arrays()
    {
        var model = DemoModel();
        var input = RandomBatch(2, 224, 11);
        using var managed = new InferenceEngine(model, ProviderChoice.Cpu);
        using var memory = CpuMemory();
        using var native = new InferenceEngine(model, ProviderChoice.Cpu, hostInputs: memory);
        var buffer = native.Inputs.Rent(input.Length);
        input.CopyTo(buffer.Span);

        var fromNative = native.Run(buffer, 2, 224);
        native.Inputs.Return(buffer);

        var fromManaged = managed.Run(input, 2, 224);
        Assert.IsType<NativeInputPool>(native.Inputs);
        Assert.Equal(fromManaged.Logits, fromNative.Logits);
        Assert.Equal(fromManaged.Features, fromNative.Features);
    }

    [Fact]
    public async Task An_evaluation_through_native_input_buffers_equals_one_through_managed_arrays_and_reuses_its_buffers()
    {
        var model = DemoModel();
        var ds = DatasetLoader.Load(Path.Combine(Fixtures.RepoRoot, "datasets", "demo-cub"));
        var settings = new EvaluationSettings { Provider = ProviderChoice.Cpu, BatchSize = 4 };
        using var memory = CpuMemory();
        using var native = new InferenceEngine(model, ProviderChoice.Cpu, hostInputs: memory);

        var viaNative = await new Evaluator(model, ds, settings).RunAsync(new ImageRange(0, 80), null, null, null, native);
        var viaManaged = await new Evaluator(model, ds, settings).RunAsync(new ImageRange(0, 80), null, null, null, null);

        var noTime = new StageSeconds(0, 0, 0, 0, 0);
        Assert.Equal(ResultFiles.ToJson(viaManaged with { Seconds = noTime }), ResultFiles.ToJson(viaNative with { Seconds = noTime, Model = viaManaged.Model }));
        var pool = Assert.IsType<NativeInputPool>(native.Inputs);
        // 20 batches went through; only the few in flight at once were ever allocated.
        Assert.InRange(pool.Allocated, 1, 8);
    }

    [Fact]
    public async Task A_cancelled_or_failed_evaluation_gives_every_input_buffer_back()
    {
        var model = DemoModel();
        using var memory = CpuMemory();
        using var engine = new InferenceEngine(model, ProviderChoice.Cpu, hostInputs: memory);
        var pool = Assert.IsType<NativeInputPool>(engine.Inputs);
        var settings = new EvaluationSettings { Provider = ProviderChoice.Cpu, BatchSize = 2 };

        using var cts = new CancellationTokenSource();
        var progress = new SyncProgress(p => { if (p.Done >= 6) cts.Cancel(); });
        var ds = DatasetLoader.Load(Path.Combine(Fixtures.RepoRoot, "datasets", "demo-cub"));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            new Evaluator(model, ds, settings).RunAsync(new ImageRange(0, 160), progress, null, null, engine, cts.Token));
        Assert.True(pool.Allocated > 0);
        Assert.Equal(pool.Allocated, pool.Available);

        using var dir = new TempDir();
        var broken = Fixtures.DemoWithBrokenImages(dir, 9);
        await Assert.ThrowsAsync<EvaluationException>(() =>
            new Evaluator(model, broken, settings).RunAsync(new ImageRange(0, 160), null, null, null, engine));
        Assert.Equal(pool.Allocated, pool.Available);
    }

    private sealed class SyncProgress(Action<EvaluationProgress> report) : IProgress<EvaluationProgress>
    {
        public void Report(EvaluationProgress value) => report(value);
    }

    [Fact]
    public void A_cuda_session_binds_its_batches_in_pinned_host_memory_from_the_sessions_allocator()
    {
        using var session = new InferenceSession(DemoModel().AugmentedModel);
        using var cpu = CpuMemory();
        OrtMemoryInfo? asked = null;
        var buffers = HostBuffers.For(cuda: true, device: 0, info => { asked = info; return new OrtAllocator(session, cpu); });
        using (buffers.Pool)
        {
            Assert.IsType<NativeInputPool>(buffers.Pool);
            Assert.Equal("CudaPinned", asked!.Name);
            Assert.Same(asked, buffers.Outputs);
            Assert.Equal("inputs and outputs in pinned host memory", buffers.Note);
        }
        buffers.Outputs.Dispose();
    }

    [Fact]
    public void A_cuda_session_without_a_pinned_allocator_falls_back_to_managed_buffers_and_says_why()
    {
        // A CPU session has no CudaPinned allocator: ONNX Runtime refuses it, as a CUDA build without one would.
        using var session = new InferenceSession(DemoModel().AugmentedModel);
        var buffers = HostBuffers.For(cuda: true, device: 0, info => new OrtAllocator(session, info));
        Assert.Same(ManagedInputPool.Shared, buffers.Pool);
        Assert.Same(OrtMemoryInfo.DefaultInstance, buffers.Outputs);
        Assert.StartsWith("pinned host memory unavailable (", buffers.Note);
        Assert.EndsWith("): inputs in managed memory", buffers.Note);
    }

    [Fact]
    public void A_cpu_session_uses_managed_buffers_and_adds_nothing_to_the_provider_text()
    {
        using var engine = new InferenceEngine(DemoModel(), ProviderChoice.Cpu);
        Assert.Same(ManagedInputPool.Shared, engine.Inputs);
        Assert.Equal("CPU (requested)", engine.Provider.ToString());
    }
}
