using InfoCamWeb.Core.Inference;
using Microsoft.ML.OnnxRuntime;

namespace InfoCamWeb.Core.Tests.Inference;

public class ExecutionProvidersTests
{
    private static readonly string[] CpuOnly = ["CPUExecutionProvider"];
    private static readonly string[] WithCuda = ["CUDAExecutionProvider", "CPUExecutionProvider"];

    [Fact]
    public void Auto_uses_cuda_when_the_build_has_it_and_it_starts()
    {
        using var options = new SessionOptions();
        bool appended = false;
        var sel = ExecutionProviders.Apply(options, ProviderChoice.Auto, WithCuda, (_, _) => appended = true);
        Assert.True(appended);
        Assert.Equal("CUDA", sel.Provider);
    }

    [Fact]
    public void Cuda_runs_exact_fp32_unless_the_run_allows_tf32_and_says_which()
    {
        using var options = new SessionOptions();
        IReadOnlyDictionary<string, string>? given = null;
        var exact = ExecutionProviders.Apply(options, ProviderChoice.Cuda, WithCuda, (_, o) => given = o, cudaDevice: 1);
        Assert.Equal(new Dictionary<string, string> { ["device_id"] = "1", ["use_tf32"] = "0", ["arena_extend_strategy"] = "kSameAsRequested" }, given);
        Assert.Equal("FP32", exact.Precision);
        Assert.Equal("CUDA (requested, CUDA device 1; TF32 off: exact FP32)", exact.ToString());

        var fast = ExecutionProviders.Apply(options, ProviderChoice.Auto, WithCuda, (_, o) => given = o, allowTf32: true);
        Assert.Equal("1", given!["use_tf32"]);
        Assert.Equal("TF32", fast.Precision);
        Assert.Equal("CUDA (auto: CUDA device 0; TF32 allowed: faster, not exact)", fast.ToString());
    }

    /// <summary>
    /// The real CUDA options path on this CPU-only ONNX Runtime: told (falsely) that CUDA is compiled in, building the
    /// provider options fails inside ONNX Runtime, and auto falls back to the CPU saying so instead of crashing.
    /// </summary>
    [Fact]
    public void Building_the_cuda_options_in_a_cpu_build_falls_back_to_the_cpu_with_the_reason()
    {
        using var options = new SessionOptions();
        var sel = ExecutionProviders.Apply(options, ProviderChoice.Auto, WithCuda);
        Assert.Equal("CPU", sel.Provider);
        Assert.StartsWith("auto: the CUDA provider failed to start: ", sel.Note);
    }

    [Fact]
    public void The_cpu_fallback_is_fp32_whatever_the_run_allows()
    {
        using var options = new SessionOptions();
        var sel = ExecutionProviders.Apply(options, ProviderChoice.Auto, CpuOnly, allowTf32: true);
        Assert.Equal("FP32", sel.Precision);
        Assert.StartsWith("CPU (auto: no CUDA provider", sel.ToString());
    }

    [Fact]
    public void Auto_falls_back_to_cpu_and_says_why_when_the_build_has_no_cuda()
    {
        using var options = new SessionOptions();
        var sel = ExecutionProviders.Apply(options, ProviderChoice.Auto, CpuOnly, (_, _) => throw new InvalidOperationException("must not be called"));
        Assert.Equal("CPU", sel.Provider);
        Assert.Contains("no CUDA provider", sel.Note);
    }

    [Fact]
    public void Auto_falls_back_to_cpu_when_the_cuda_provider_fails_to_start()
    {
        using var options = new SessionOptions();
        var sel = ExecutionProviders.Apply(options, ProviderChoice.Auto, WithCuda, (_, _) => throw new DllNotFoundException("libcudnn.so.9: cannot open shared object file"));
        Assert.Equal("CPU", sel.Provider);
        Assert.Contains("libcudnn.so.9", sel.Note);
    }

    [Fact]
    public void Cuda_requested_on_a_machine_without_it_is_an_error_not_a_silent_fallback()
    {
        using var options = new SessionOptions();
        var ex = Assert.Throws<ProviderUnavailableException>(() => ExecutionProviders.Apply(options, ProviderChoice.Cuda, CpuOnly));
        Assert.Contains("CUDA was requested but is not available", ex.Message);
    }

    [Fact]
    public void Cpu_is_used_when_asked_without_probing_cuda()
    {
        using var options = new SessionOptions();
        var sel = ExecutionProviders.Apply(options, ProviderChoice.Cpu, WithCuda, (_, _) => throw new InvalidOperationException("must not be called"));
        Assert.Equal("CPU", sel.Provider);
    }

    [Fact]
    public void This_cpu_build_runs_a_model_on_the_cpu_under_auto()
    {
        var model = Core.Models.ModelLoader.Load(TinyOnnx.GapGemm(), "tiny.onnx");
        using var engine = new InferenceEngine(model, ProviderChoice.Auto);
        Assert.Equal("CPU", engine.Provider.Provider);
        var output = engine.Run(new float[2 * 3 * 8 * 8], 2, 8);
        Assert.Equal(5, output.Classes);
        Assert.Equal((4, 8, 8), (output.Channels, output.Height, output.Width));
    }
}
