using Microsoft.ML.OnnxRuntime;

namespace InfoCamWeb.Core.Inference;

public enum ProviderChoice
{
    /// <summary>CUDA when this build and machine have it, otherwise CPU (says which one ran).</summary>
    Auto,
    Cpu,
    Cuda,
}

/// <summary>The execution provider that was configured, and why.</summary>
public sealed record ProviderSelection(string Provider, string Note)
{
    public override string ToString() => Note.Length == 0 ? Provider : $"{Provider} ({Note})";
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

    /// <summary>Configures <paramref name="options"/> for <paramref name="choice"/>; the two hooks exist for tests.</summary>
    public static ProviderSelection Apply(
        SessionOptions options, ProviderChoice choice,
        IReadOnlyList<string>? available = null, Action<SessionOptions>? appendCuda = null, int cudaDevice = 0)
    {
        if (choice == ProviderChoice.Cpu)
        {
            return new ProviderSelection("CPU", "requested");
        }
        available ??= Available();
        appendCuda ??= o => o.AppendExecutionProvider_CUDA(cudaDevice);
        string reason;
        if (!available.Contains(CudaProvider))
        {
            reason = "no CUDA provider in this ONNX Runtime build (-p:UseCuda=true adds it)";
        }
        else
        {
            try
            {
                appendCuda(options);
                return new ProviderSelection("CUDA", choice == ProviderChoice.Auto ? $"auto: CUDA device {cudaDevice}" : $"requested, CUDA device {cudaDevice}");
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
