using InfoCamWeb.Core.Inference;
using InfoCamWeb.Core.Models;

namespace InfoCamWeb.Core.Tests.Inference;

public class InferenceLimitsTests
{
    [Fact]
    public void A_loop_of_two_to_the_31_iterations_hidden_from_the_probe_is_stopped_by_the_batch_time_limit()
    {
        // The probe input never exceeds 2, so the upload check passes; a bright image starts 2^31 iterations.
        var model = ModelLoader.Load(TinyOnnx.LoopingOnBrightInput(classes: 3, size: 16), "loop.onnx");
        using var engine = new InferenceEngine(model, ProviderChoice.Cpu, 1) { BatchTimeout = TimeSpan.FromSeconds(1) };
        var dark = new float[3 * 16 * 16];
        Assert.Equal(3, engine.Run(dark, 1, 16).Classes);
        var bright = Enumerable.Repeat(2.5f, 3 * 16 * 16).ToArray();
        var ex = Assert.Throws<ModelException>(() => engine.Run(bright, 1, 16));
        Assert.Equal("Inference of one batch took longer than 1 s and was stopped.", ex.Message);
    }

    [Fact]
    public void A_batch_larger_than_its_input_buffer_is_refused_instead_of_reaching_onnx_runtime()
    {
        var model = ModelLoader.Load(TinyOnnx.GapGemm(), "m.onnx");
        using var engine = new InferenceEngine(model, ProviderChoice.Cpu, 1);
        Assert.Throws<ArgumentException>(() => engine.Run(new float[10], 1, 8));
    }
}

public class OrtMessagesTests
{
    [Fact]
    public void The_cpp_source_location_and_signature_are_removed()
    {
        const string raw = "[ErrorCode:Fail] /onnxruntime_src/onnxruntime/core/graph/model.cc:251 onnxruntime::Model::Model(onnx::ModelProto&&, " +
                           "const onnxruntime::PathString&, const onnxruntime::IOnnxRuntimeOpSchemaRegistryList*, const onnxruntime::logging::Logger&, " +
                           "const onnxruntime::ModelOptions&) Missing model IR version.";
        Assert.Equal("Missing model IR version.", OrtMessages.Clean(raw));
    }

    [Fact]
    public void Colour_codes_log_prefixes_and_later_lines_are_removed()
    {
        const string raw = "\u001b[1;31m2026-11-28 17:01:00.293517690 [E:onnxruntime:, sequential_executor.cc:677 ExecuteKernel] " +
                           "Non-zero status code returned while running Conv node. Name:'c' Status Message: kernel_shape is not compatible\u001b[m\nsecond line";
        Assert.Equal("Non-zero status code returned while running Conv node. Name:'c' Status Message: kernel_shape is not compatible", OrtMessages.Clean(raw));
    }

    [Fact]
    public void A_plain_message_is_kept_as_it_is()
    {
        Assert.Equal("Got invalid dimensions for input: x", OrtMessages.Clean("[ErrorCode:InvalidArgument] Got invalid dimensions for input: x"));
    }
}
