using Microsoft.ML.OnnxRuntime;

namespace InfoCamWeb.Core.Inference;

public enum ProviderChoice
{
    /// <summary>CUDA when this build and machine have it, otherwise CPU (says which one ran).</summary>
    Auto,
    Cpu,
    Cuda,
}

/// <summary>The execution provider that was configured, why, and the arithmetic its convolutions and GEMMs use.</summary>
public sealed record ProviderSelection(string Provider, string Note)
{
    /// <summary>"FP32" (exact float32, the CPU and CUDA by default) or "TF32" (CUDA with TensorFloat-32 allowed).</summary>
    public string Precision { get; init; } = "FP32";

    /// <summary>Where batches are bound on this provider when it is not plain host memory (CUDA: pinned), or why not.</summary>
    public string Inputs { get; init; } = "";

    /// <summary>True when ONNX Runtime's threads run on the CPU cores that decoding and localization use too.</summary>
    public bool InferenceOnCpu => Provider == "CPU";

    public override string ToString()
    {
        var precision = Provider == "CUDA" ? (Precision == "TF32" ? "TF32 allowed: faster, not exact" : "TF32 off: exact FP32") : "";
        var note = string.Join("; ", new[] { Note, precision, Inputs }.Where(t => t.Length > 0));
        return note.Length == 0 ? Provider : $"{Provider} ({note})";
    }
}

/// <summary>Thrown when CUDA was asked for explicitly and cannot be used.</summary>
public sealed class ProviderUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Chooses the ONNX Runtime execution provider. The CUDA provider exists only in the GPU build of ONNX Runtime
/// (<c>dotnet build -p:UseCuda=true</c> links <c>Microsoft.ML.OnnxRuntime.Gpu.Linux</c>); the default CPU build
/// restores and runs anywhere.
/// </summary>
public static class ExecutionProviders
{
    public const string CudaProvider = "CUDAExecutionProvider";

    public static ProviderChoice Parse(string text) => text.Trim().ToLowerInvariant() switch
    {
        "auto" => ProviderChoice.Auto,
        "cpu" => ProviderChoice.Cpu,
        "cuda" or "gpu" => ProviderChoice.Cuda,
        _ => throw new FormatException($"Unknown provider '{text}': expected auto, cpu or cuda."),
    };

    /// <summary>The providers compiled into the loaded ONNX Runtime library.</summary>
    public static IReadOnlyList<string> Available() => OrtEnv.Instance().GetAvailableProviders();

    /// <summary>
    /// The CUDA provider's options. ONNX Runtime runs FP32 convolutions and GEMMs in TF32 on Ampere and newer GPUs
    /// unless <c>use_tf32</c> is 0; TF32 keeps 10 mantissa bits, enough to move a box at some threshold for 1–2 % of
    /// maps, so it stays off unless the run asks for speed over exactness. The device arena grows by what is asked
    /// (not by powers of two), so that the memory one more image takes can be measured (<see cref="BatchSizer"/>)
    /// and a large batch does not reserve twice its size.
    /// </summary>
    public static Dictionary<string, string> CudaOptions(int cudaDevice, bool allowTf32) => new()
    {
        ["device_id"] = cudaDevice.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["use_tf32"] = allowTf32 ? "1" : "0",
        ["arena_extend_strategy"] = "kSameAsRequested",
    };

    private static void AppendCuda(SessionOptions options, IReadOnlyDictionary<string, string> cudaOptions)
    {
        using var cuda = new OrtCUDAProviderOptions();
        cuda.UpdateOptions(cudaOptions.ToDictionary());
        options.AppendExecutionProvider_CUDA(cuda);
    }

    /// <summary>Configures <paramref name="options"/> for <paramref name="choice"/>; the two hooks exist for tests.</summary>
    public static ProviderSelection Apply(
        SessionOptions options, ProviderChoice choice,
        IReadOnlyList<string>? available = null, Action<SessionOptions, IReadOnlyDictionary<string, string>>? appendCuda = null, int cudaDevice = 0,
        bool allowTf32 = false)
    {
        if (choice == ProviderChoice.Cpu)
        {
            return new ProviderSelection("CPU", "requested");
        }
        available ??= Available();
        appendCuda ??= AppendCuda;
        string reason;
        if (!available.Contains(CudaProvider))
        {
            reason = "no CUDA provider in this ONNX Runtime build (-p:UseCuda=true adds it)";
        }
        else
        {
            try
            {
                appendCuda(options, CudaOptions(cudaDevice, allowTf32));
                return new ProviderSelection("CUDA", choice == ProviderChoice.Auto ? $"auto: CUDA device {cudaDevice}" : $"requested, CUDA device {cudaDevice}")
                {
                    Precision = allowTf32 ? "TF32" : "FP32",
                };
            }
            catch (Exception ex) when (ex is OnnxRuntimeException or DllNotFoundException or EntryPointNotFoundException or TypeInitializationException)
            {
                reason = "the CUDA provider failed to start: " + OrtMessages.Clean(ex.Message);
            }
        }
        if (choice == ProviderChoice.Cuda)
        {
            throw new ProviderUnavailableException($"CUDA was requested but is not available: {reason}.");
        }
        return new ProviderSelection("CPU", $"auto: {reason}");
    }
}
