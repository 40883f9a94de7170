using System.Security.Cryptography;
using InfoCamWeb.Core.Cams;
using InfoCamWeb.Core.Inference;
using Onnx;

namespace InfoCamWeb.Core.Models;

/// <summary>A model ready for evaluation: its head, the graph with the feature map exposed, and its identity.</summary>
public sealed record LoadedModel(string Path, string Sha256, long SizeBytes, ModelHead Head, byte[] AugmentedModel, string Producer, long Opset);

/// <summary>
/// Loads an ONNX classifier: safety checks, head detection (or the names given by hand), feature map exposed as an
/// output, and a probe run that checks shapes, finiteness and that the classifier rebuilt from the extracted weights
/// reproduces the model's own logits.
/// </summary>
public static class ModelLoader
{
    public const long DefaultMaxBytes = 1L << 30;

    /// <summary>Largest input side accepted (one 3 x 2048 x 2048 float image is 48 MB).</summary>
    public const int MaxInputSide = 2048;

    public static LoadedModel Load(string path, HeadOverrides? overrides = null, int? inputSizeOverride = null, long maxBytes = DefaultMaxBytes)
    {
        if (!File.Exists(path))
        {
            throw new ModelException($"{path}: the model file does not exist.");
        }
        var info = new FileInfo(path);
        if (info.Length > maxBytes)
        {
            throw new ModelException($"{path}: {info.Length} bytes exceeds the model size limit of {maxBytes} bytes.");
        }
        var bytes = File.ReadAllBytes(path);
        return Load(bytes, path, overrides, inputSizeOverride);
    }

    public static LoadedModel Load(byte[] bytes, string name, HeadOverrides? overrides = null, int? inputSizeOverride = null)
    {
        var model = OnnxGraphInspector.Parse(bytes);
        ModelSafety.Check(model);
        var inspector = new OnnxGraphInspector(model);
        inspector.RequireDefinedTensors();
        var (inputName, inputShape) = inspector.ImageInput();

        OnnxGraphInspector.Candidate candidate;
        if (overrides is { Any: true })
        {
            if (overrides.FeatureTensor is null || overrides.WeightInitializer is null)
            {
                throw new ModelException("Naming the head by hand needs both --feature-tensor and --classifier-weight.");
            }
            if (!inspector.HasTensor(overrides.FeatureTensor))
            {
                throw new ModelException($"--feature-tensor '{overrides.FeatureTensor}' is not a tensor of the graph.");
            }
            var w = inspector.Initializer(overrides.WeightInitializer)
                    ?? throw new ModelException($"--classifier-weight '{overrides.WeightInitializer}' is not an initializer of the graph.");
            float[]? bias = null;
            if (overrides.BiasInitializer is not null)
            {
                var b = inspector.Initializer(overrides.BiasInitializer)
                        ?? throw new ModelException($"--classifier-bias '{overrides.BiasInitializer}' is not an initializer of the graph.");
                bias = OnnxTensors.ReadFloats(b, "Classifier bias");
            }
            var weights = OnnxTensors.ReadFloats(w, "Classifier weight");
            // Layout is settled after the probe, once C and K are known.
            candidate = new OnnxGraphInspector.Candidate("named by hand", overrides.FeatureTensor, inspector.FirstOutput(),
                weights, -1, -1, bias, false, null, $"initializer '{w.Name}' [{string.Join(", ", w.Dims)}]" + (bias is null ? "" : $", bias '{overrides.BiasInitializer}'"));
        }
        else
        {
            candidate = inspector.FindHead();
        }

        var augmented = inspector.WithOutputs(candidate.LogitsTensor, candidate.FeatureTensor);
        int size = inputSizeOverride ?? (inputShape[2] > 0 ? (int)inputShape[2] : 224);
        if (size is < 1 or > ModelLoader.MaxInputSide)
        {
            throw new ModelException($"An input size of {size} is outside 1..{ModelLoader.MaxInputSide}.");
        }
        if (inputShape[2] > 0 && inputSizeOverride is int s && s != inputShape[2])
        {
            throw new ModelException($"The model's input is fixed at {inputShape[2]}x{inputShape[3]}; an input size of {s} cannot be used.");
        }
        var probe = Probe(augmented, inputName, candidate, size);

        Classifier classifier;
        long[] featureShape = probe.FeatureShape;
        int k = (int)featureShape[1];
        int c = probe.Classes;
        if (candidate.Identity)
        {
            if (k != c)
            {
                throw new ModelException($"The 1x1-conv classifier gives {k} maps but the model outputs {c} classes.");
            }
            classifier = Classifier.Identity(c);
        }
        else if (candidate.Classes < 0)
        {
            var w = candidate.Weights!;
            if (w.Length != c * k)
            {
                throw new ModelException($"--classifier-weight holds {w.Length} values; the model has {c} classes and the feature map {k} channels ({c * k} values expected).");
            }
            var wInit = inspector.Initializer(overrides!.WeightInitializer!)!;
            bool kc = wInit.Dims.Count == 2 && wInit.Dims[0] == k && wInit.Dims[1] == c && k != c;
            classifier = new Classifier(c, k, kc ? OnnxTensors.Transpose(w, k, c) : w, candidate.Bias);
        }
        else
        {
            if (candidate.Channels != k)
            {
                throw new ModelException($"The classifier expects {candidate.Channels} features but '{candidate.FeatureTensor}' has {k} channels.");
            }
            if (candidate.Classes != c)
            {
                throw new ModelException($"The classifier has {candidate.Classes} classes but the model outputs {c}.");
            }
            classifier = new Classifier(c, k, candidate.Weights!, candidate.Bias);
        }
        if (candidate.AveragePoolKernel is { } kernel && (kernel[0] != featureShape[2] || kernel[1] != featureShape[3]))
        {
            throw new ModelException($"The AveragePool kernel {kernel[0]}x{kernel[1]} does not cover the {featureShape[2]}x{featureShape[3]} feature map, so it is not a global average pooling.");
        }

        // The rebuilt classifier must reproduce the model's logits on the probe input.
        var pooled = new double[k];
        int plane = (int)(featureShape[2] * featureShape[3]);
        for (int ch = 0; ch < k; ch++)
        {
            double sum = 0;
            for (int p = 0; p < plane; p++) sum += probe.Features[ch * plane + p];
            pooled[ch] = sum / plane;
        }
        var rebuilt = new double[c];
        classifier.Logits(pooled, rebuilt);
        double maxErr = 0, maxAbs = 0;
        for (int i = 0; i < c; i++)
        {
            maxErr = Math.Max(maxErr, Math.Abs(rebuilt[i] - probe.Logits[i]));
            maxAbs = Math.Max(maxAbs, Math.Abs(probe.Logits[i]));
        }
        if (maxErr > 1e-3 * (1 + maxAbs))
        {
            throw new ModelException(
                $"The classifier rebuilt from {candidate.WeightSource} and the average of '{candidate.FeatureTensor}' does not reproduce the model's logits " +
                $"(largest difference {maxErr:G4} on a probe input). The head is not a plain global average pooling + linear layer; " +
                "name the feature tensor and weights by hand with --feature-tensor and --classifier-weight.");
        }

        var head = new ModelHead(candidate.Pattern, inputName, inputShape, candidate.FeatureTensor, featureShape,
            candidate.LogitsTensor, classifier, candidate.WeightSource, maxErr);
        var opset = model.OpsetImport.Where(o => o.Domain is "" or "ai.onnx").Select(o => o.Version).DefaultIfEmpty(0).Max();
        return new LoadedModel(name, Convert.ToHexStringLower(SHA256.HashData(bytes)), bytes.Length, head, augmented,
            string.IsNullOrEmpty(model.ProducerName) ? "unknown" : $"{model.ProducerName} {model.ProducerVersion}".Trim(), opset);
    }

    private sealed record ProbeResult(float[] Logits, int Classes, float[] Features, long[] FeatureShape);

    private static ProbeResult Probe(byte[] augmented, string inputName, OnnxGraphInspector.Candidate candidate, int size)
    {
        using var options = new Microsoft.ML.OnnxRuntime.SessionOptions
        {
            LogSeverityLevel = Microsoft.ML.OnnxRuntime.OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL,
            IntraOpNumThreads = 1,
        };
        var tmpHead = new ModelHead(candidate.Pattern, inputName, [1, 3, size, size], candidate.FeatureTensor, [], candidate.LogitsTensor,
            Classifier.Identity(2), candidate.WeightSource, 0);
        var loaded = new LoadedModel("probe", "", augmented.Length, tmpHead, augmented, "", 0);
        using var engine = new InferenceEngine(loaded, ProviderChoice.Cpu, 1);
        var rng = new Random(12345);
        var input = new float[3 * size * size];
        for (int i = 0; i < input.Length; i++) input[i] = (float)(rng.NextDouble() * 4 - 2);
        InferenceOutput output;
        try
        {
            output = engine.Run(input, 1, size);
        }
        catch (ModelException ex)
        {
            throw new ModelException($"The probe run on a 1x3x{size}x{size} input failed: {ex.Message}", ex);
        }
        if (output.Classes < 2)
        {
            throw new ModelException($"The model outputs {output.Classes} value(s) per image; a classifier with at least 2 classes is expected.");
        }
        if (output.Logits.Any(v => !float.IsFinite(v)))
        {
            throw new ModelException("The model produced NaN or infinite logits on a probe input.");
        }
        if (output.Features.Any(v => !float.IsFinite(v)))
        {
            throw new ModelException($"The feature map '{candidate.FeatureTensor}' holds NaN or infinite values on a probe input.");
        }
        return new ProbeResult(output.Logits, output.Classes, output.Features, [-1, output.Channels, output.Height, output.Width]);
    }
}
