using InfoCamWeb.Core.Inference;
using InfoCamWeb.Core.Models;

namespace InfoCamWeb.Core.Tests.Inference;

public class BatchSizerTests
{
    private const long MB = 1L << 20;

    /// <summary>A GPU whose free memory drops by what the session's arena takes for the largest batch run so far.</summary>
    private sealed class FakeGpu(long total, long weights, long perImage, int failAbove = int.MaxValue) : IDeviceMemory
    {
        private int _largest;

        public List<int> Probes { get; } = [];

        public void Probe(int batch)
        {
            Probes.Add(batch);
            if (batch > failAbove) throw new ModelException("CUDA out of memory") { OutOfMemory = true };
            _largest = Math.Max(_largest, batch);
        }

        public MemoryReading? Read() => new(total - (_largest == 0 ? 0 : weights + _largest * perImage), total);

        public string? Unavailable => null;
    }

    private sealed class NoReader : IDeviceMemory
    {
        public MemoryReading? Read() => null;

        public string? Unavailable => "the CUDA runtime library was not found";
    }

    [Fact]
    public void A_model_with_a_fixed_batch_gets_batches_of_one()
    {
        Assert.Equal(1, BatchSizer.Choose(cuda: true, dynamicBatch: false, _ => throw new InvalidOperationException(), null, 1).Size);
    }

    [Fact]
    public void The_cpu_gets_sixteen_without_probing()
    {
        var choice = BatchSizer.Choose(cuda: false, dynamicBatch: true, _ => throw new InvalidOperationException(), null, 1);
        Assert.Equal(new BatchChoice(16, "CPU default"), choice);
    }

    [Fact]
    public void Cuda_takes_the_largest_power_of_two_that_fits_four_fifths_of_the_free_memory()
    {
        // 10 GB card, 100 MB of weights and workspace, 50 MB per image. After the probe of 4: free = 10240 - 100 - 200
        // = 9940 MB; 0.8 * 9940 / 50 = 159.04 more images, 163 in all: the largest power of two is 128.
        var gpu = new FakeGpu(10240 * MB, 100 * MB, 50 * MB);
        var choice = BatchSizer.Choose(cuda: true, dynamicBatch: true, gpu.Probe, gpu, 1);
        Assert.Equal(128, choice.Size);
        Assert.Equal([1, 4, 128], gpu.Probes);
        Assert.Equal("automatic: 50 MB per image measured, 9940 MB free of 10240 MB", choice.How);
    }

    [Fact]
    public void Cuda_never_exceeds_the_cap_of_256()
    {
        var gpu = new FakeGpu(80_000 * MB, 500 * MB, 2 * MB);
        Assert.Equal(256, BatchSizer.Choose(cuda: true, dynamicBatch: true, gpu.Probe, gpu, 1).Size);
    }

    [Fact]
    public void A_batch_that_runs_out_of_memory_is_halved_until_it_runs()
    {
        var gpu = new FakeGpu(10240 * MB, 100 * MB, 50 * MB, failAbove: 40);
        var choice = BatchSizer.Choose(cuda: true, dynamicBatch: true, gpu.Probe, gpu, 1);
        Assert.Equal(32, choice.Size);
        Assert.Equal([1, 4, 128, 64, 32], gpu.Probes);
    }

    [Fact]
    public void Growth_below_the_images_own_tensors_counts_as_those_tensors()
    {
        // The arena did not grow between the probes (perImage 0): the floor, 100 MB per image, decides.
        // Free 1000 - 10 = 990 MB; 0.8 * 990 / 100 = 7.92: 4 + 7 = 11 images, batch 8.
        var gpu = new FakeGpu(1000 * MB, 10 * MB, 0);
        Assert.Equal(8, BatchSizer.Choose(cuda: true, dynamicBatch: true, gpu.Probe, gpu, 100 * MB).Size);
    }

    [Fact]
    public void Without_a_memory_reader_cuda_keeps_sixteen_and_says_why()
    {
        var choice = BatchSizer.Choose(cuda: true, dynamicBatch: true, _ => throw new InvalidOperationException(), new NoReader(), 1);
        Assert.Equal(new BatchChoice(16, "automatic sizing unavailable: the CUDA runtime library was not found"), choice);
    }

    [SkippableFact]
    public void Without_the_cuda_runtime_the_reader_reads_nothing_and_names_the_libraries_it_looked_for()
    {
        Skip.If(new[] { "libcudart.so.13", "libcudart.so.12", "libcudart.so" }.Any(n => System.Runtime.InteropServices.NativeLibrary.TryLoad(n, out _)),
            "this machine has a CUDA runtime");
        var reader = new CudaDeviceMemory(0);
        Assert.Null(reader.Read());
        Assert.Equal("the CUDA runtime library (libcudart.so.13, libcudart.so.12, libcudart.so, cudart64_12.dll) was not found", reader.Unavailable);
    }

    [Fact]
    public void When_four_images_do_not_fit_two_are_tried_then_one()
    {
        var gpu = new FakeGpu(10240 * MB, 100 * MB, 50 * MB, failAbove: 1);
        var choice = BatchSizer.Choose(cuda: true, dynamicBatch: true, gpu.Probe, gpu, 1);
        Assert.Equal(new BatchChoice(1, "automatic: a batch of 4 did not fit the device's memory"), choice);
        Assert.Equal([1, 4, 2, 1], gpu.Probes);
    }

    [Fact]
    public void An_engine_uses_a_requested_batch_and_chooses_one_when_none_is_given()
    {
        var model = ModelLoader.Load(Path.Combine(Fixtures.RepoRoot, "datasets", "demo-model", "demo-cnn.onnx"));
        using var engine = new InferenceEngine(model, ProviderChoice.Cpu);
        Assert.Equal(new BatchChoice(8, "requested"), engine.BatchFor(8, 224));
        Assert.Null(engine.AutomaticBatch);
        Assert.Equal(new BatchChoice(16, "CPU default"), engine.BatchFor(null, 224));
        Assert.Same(engine.AutomaticBatch, engine.BatchFor(null, 224));
    }
}
