using InfoCamWeb.Core.Inference;
using Microsoft.ML.OnnxRuntime;

namespace InfoCamWeb.Core.Tests.Inference;

public class DeviceSpecTests
{
    [Theory]
    [InlineData("cpu", "cpu", 0)]
    [InlineData("CUDA", "cuda", 0)]
    [InlineData("cuda:0", "cuda", 0)]
    [InlineData(" cuda:3 ", "cuda", 3)]
    public void A_device_names_the_queue_of_its_class_and_the_gpu_it_uses(string text, string queue, int gpu)
    {
        Assert.Equal(new DeviceSpec(queue, gpu), DeviceSpec.Parse(text));
    }

    [Theory]
    [InlineData("cuda:")]
    [InlineData("cuda:-1")]
    [InlineData("cuda:x")]
    [InlineData("tpu")]
    public void An_unknown_device_is_refused_with_the_accepted_forms(string text)
    {
        Assert.Equal($"Unknown device '{text}': expected cpu, cuda or cuda:N (N = the GPU's index).", Assert.Throws<FormatException>(() => DeviceSpec.Parse(text)).Message);
    }

    [Fact]
    public void The_cuda_provider_is_configured_for_the_workers_gpu_and_says_which()
    {
        using var options = new SessionOptions();
        var sel = ExecutionProviders.Apply(options, ProviderChoice.Auto, ["CUDAExecutionProvider", "CPUExecutionProvider"], (_, _) => { }, cudaDevice: 2);
        Assert.Equal("CUDA (auto: CUDA device 2; TF32 off: exact FP32)", sel.ToString());
    }
}
