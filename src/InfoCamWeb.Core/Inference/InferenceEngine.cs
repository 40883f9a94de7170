using InfoCamWeb.Core.Models;
using Microsoft.ML.OnnxRuntime;

namespace InfoCamWeb.Core.Inference;

/// <summary>One ONNX Runtime session over a model whose feature map is exposed as an extra output. Created once, reused.</summary>
public sealed class InferenceEngine : IDisposable
{
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly string[] _outputs;

    public InferenceEngine(LoadedModel model, ProviderChoice choice, int intraOpThreads = 0)
    {
        Head = model.Head;
        using var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        if (intraOpThreads > 0)
        {
            options.IntraOpNumThreads = intraOpThreads;
        }
        // Idle inference threads must not spin: decoding and localization run beside them on the same cores.
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        options.AddSessionConfigEntry("session.inter_op.allow_spinning", "0");
        Provider = ExecutionProviders.Apply(options, choice);
        try
        {
            _session = new InferenceSession(model.AugmentedModel, options);
        }
        catch (OnnxRuntimeException ex)
        {
            throw new ModelException($"ONNX Runtime cannot load the model: {ex.Message.Split('\n')[0].Trim()}", ex);
        }
        _outputs = [Head.LogitsTensor, Head.FeatureTensor];
    }

    public ModelHead Head { get; }

    public ProviderSelection Provider { get; }

    /// <summary>Largest batch the model accepts: its dynamic batch, or 1.</summary>
    public int MaxBatch(int requested) => Head.DynamicBatch ? Math.Max(1, requested) : 1;

    /// <summary>Stops a running inference from another thread (a run stops in about half a second).</summary>
    public void Terminate() => _runOptions.Terminate = true;

    /// <summary>Runs <paramref name="batch"/> images (NCHW in <paramref name="input"/>).</summary>
    public InferenceOutput Run(float[] input, int batch, int size)
    {
        var shape = new long[] { batch, 3, size, size };
        using var inputValue = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, input.AsMemory(0, batch * 3 * size * size), shape);
        IDisposableReadOnlyCollection<OrtValue> results;
        try
        {
            results = _session.Run(_runOptions, [Head.InputName], [inputValue], _outputs);
        }
        catch (OnnxRuntimeException ex)
        {
            throw new ModelException($"Inference failed: {ex.Message.Split('\n')[0].Trim()}", ex);
        }
        using (results)
        {
            var logitsShape = results[0].GetTensorTypeAndShape().Shape;
            var featureShape = results[1].GetTensorTypeAndShape().Shape;
            if (logitsShape.Length != 2 || logitsShape[0] != batch)
            {
                throw new ModelException($"The logits '{Head.LogitsTensor}' have shape [{string.Join(", ", logitsShape)}]; [{batch}, C] was expected.");
            }
            if (featureShape.Length != 4 || featureShape[0] != batch)
            {
                throw new ModelException($"The feature map '{Head.FeatureTensor}' has shape [{string.Join(", ", featureShape)}]; [{batch}, K, h, w] was expected.");
            }
            return new InferenceOutput(
                results[0].GetTensorDataAsSpan<float>().ToArray(), (int)logitsShape[1],
                results[1].GetTensorDataAsSpan<float>().ToArray(), (int)featureShape[1], (int)featureShape[2], (int)featureShape[3]);
        }
    }

    public void Dispose()
    {
        _session.Dispose();
        _runOptions.Dispose();
    }
}

/// <summary>Logits (N x C) and feature maps (N x K x h x w) of one batch.</summary>
public sealed record InferenceOutput(float[] Logits, int Classes, float[] Features, int Channels, int Height, int Width)
{
    public ReadOnlySpan<float> LogitsOf(int i) => Logits.AsSpan(i * Classes, Classes);

    public ReadOnlySpan<float> FeaturesOf(int i) => Features.AsSpan(i * Channels * Height * Width, Channels * Height * Width);
}
