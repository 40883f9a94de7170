using InfoCamWeb.Core.Models;
using Microsoft.ML.OnnxRuntime;

namespace InfoCamWeb.Core.Inference;

/// <summary>One ONNX Runtime session over a model whose feature map is exposed as an extra output. Created once, reused.</summary>
public sealed class InferenceEngine : IDisposable
{
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly string[] _outputs;
    private readonly OrtMemoryInfo _outputMemory;
    private readonly int _cudaDevice;
    private readonly Lock _runLock = new();

    /// <summary>Caps for what one model may take: arena memory for all sessions of the process, constant folding output, time per batch.</summary>
    public static class Limits
    {
        /// <summary>Largest CPU memory arena, bytes (INFOCAM_ORT_MAX_MEMORY_MB overrides; default 3 GB).</summary>
        public static uint ArenaBytes { get; } = (uint)Math.Min(uint.MaxValue,
            (ulong)(long.TryParse(Environment.GetEnvironmentVariable("INFOCAM_ORT_MAX_MEMORY_MB"), out var mb) && mb > 0 ? mb : 3072) << 20);

        /// <summary>Largest tensor constant folding may create while the session is built.</summary>
        public const long ConstantFoldingBytes = 64L << 20;

        /// <summary>Longest one batch may run before it is terminated (INFOCAM_BATCH_TIMEOUT_SECONDS overrides).</summary>
        public static TimeSpan BatchTimeout { get; } = TimeSpan.FromSeconds(
            int.TryParse(Environment.GetEnvironmentVariable("INFOCAM_BATCH_TIMEOUT_SECONDS"), out var s) && s > 0 ? s : 600);
    }

    private static readonly Lazy<bool> EnvironmentArena = new(() =>
    {
        // One capped arena shared by every session of this process (session.use_env_allocators below).
        using var info = new OrtMemoryInfo(OrtMemoryInfo.allocatorCPU, OrtAllocatorType.ArenaAllocator, 0, OrtMemType.Default);
        using var cfg = new OrtArenaCfg(Limits.ArenaBytes, -1, -1, -1);
        OrtEnv.Instance().CreateAndRegisterAllocator(info, cfg);
        return true;
    });

    /// <param name="allowTf32">Let CUDA run FP32 convolutions and GEMMs in TF32 (faster on Ampere and newer, not exact).</param>
    /// <param name="hostInputs">Tests: native input buffers from the session's allocator for this memory (the CPU's), as CUDA's pinned ones are.</param>
    public InferenceEngine(LoadedModel model, ProviderChoice choice, int intraOpThreads = 0, int cudaDevice = 0, bool allowTf32 = false,
        OrtMemoryInfo? hostInputs = null)
    {
        Head = model.Head;
        _cudaDevice = cudaDevice;
        _ = EnvironmentArena.Value;
        using var options = NewOptions(intraOpThreads);
        var provider = ExecutionProviders.Apply(options, choice, cudaDevice: cudaDevice, allowTf32: allowTf32);
        try
        {
            _session = new InferenceSession(model.AugmentedModel, options);
        }
        catch (OnnxRuntimeException ex)
        {
            throw new ModelException($"ONNX Runtime cannot load the model: {OrtMessages.Clean(ex.Message)}", ex);
        }
        _outputs = [Head.LogitsTensor, Head.FeatureTensor];
        HostBuffers inputs;
        try
        {
            inputs = hostInputs is not null
                ? HostBuffers.Native(_session, hostInputs, "native input buffers")
                : HostBuffers.For(provider.Provider == "CUDA", cudaDevice, info => new OrtAllocator(_session, info));
        }
        catch
        {
            _session.Dispose();
            _runOptions.Dispose();
            throw;
        }
        (Inputs, _outputMemory) = (inputs.Pool, inputs.Outputs);
        Provider = inputs.Note.Length == 0 ? provider : provider with { Inputs = inputs.Note };
    }

    private static SessionOptions NewOptions(int intraOpThreads)
    {
        var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL, // errors reach the user as exceptions, not as log lines
        };
        if (intraOpThreads > 0)
        {
            options.IntraOpNumThreads = intraOpThreads;
        }
        options.AddSessionConfigEntry("session.use_env_allocators", "1");
        options.AddSessionConfigEntry("optimization.constant_folding_max_output_size_in_bytes",
            Limits.ConstantFoldingBytes.ToString(System.Globalization.CultureInfo.InvariantCulture));
        // Idle inference threads must not spin: decoding and localization run beside them on the same cores.
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        options.AddSessionConfigEntry("session.inter_op.allow_spinning", "0");
        return options;
    }

    public ModelHead Head { get; }

    /// <summary>Longest one batch may run before it is terminated (the process-wide limit unless set for this engine).</summary>
    public TimeSpan BatchTimeout { get; init; } = Limits.BatchTimeout;

    private string TimeoutMessage => $"Inference of one batch took longer than {BatchTimeout.TotalSeconds:0.#} s and was stopped.";

    public ProviderSelection Provider { get; }

    /// <summary>Where batches are decoded into: pinned host memory on CUDA (when the provider has it), managed arrays otherwise.</summary>
    public InputBufferPool Inputs { get; }

    /// <summary>The batch size automatic sizing chose, once asked (<see cref="BatchFor"/>).</summary>
    public BatchChoice? AutomaticBatch { get; private set; }

    /// <summary>
    /// The batch a run uses: <paramref name="requested"/> (1 for a model with a fixed batch), or, when it is null, the size
    /// <see cref="BatchSizer"/> chooses for this engine and <paramref name="inputSize"/> (decided once, then kept).
    /// </summary>
    public BatchChoice BatchFor(int? requested, int inputSize)
    {
        if (requested is int n)
        {
            return Head.DynamicBatch || n == 1 ? new BatchChoice(Math.Max(1, n), "requested") : new BatchChoice(1, "the model's batch dimension is fixed at 1");
        }
        lock (_runLock)
        {
            return AutomaticBatch ??= BatchSizer.Choose(Provider.Provider == "CUDA", Head.DynamicBatch, size => Probe(size, inputSize),
                Provider.Provider == "CUDA" ? new CudaDeviceMemory(_cudaDevice) : null, BytesPerImage(inputSize));
        }
    }

    /// <summary>Stops a running inference from another thread (a run stops in about half a second).</summary>
    public void Terminate() => _runOptions.Terminate = true;

    /// <summary>Lets the session run again after <see cref="Terminate"/>: called when a new evaluation starts on it.</summary>
    public void ClearStop() => _runOptions.Terminate = false;

    /// <summary>Runs <paramref name="batch"/> images (NCHW in <paramref name="input"/>).</summary>
    public InferenceOutput Run(float[] input, int batch, int size) => Run(ManagedInputPool.Wrap(input), batch, size);

    /// <summary>
    /// Runs <paramref name="batch"/> images (NCHW at the start of <paramref name="input"/>) with I/O binding: the input
    /// is bound where it lies (pinned host memory on CUDA, which the GPU copies by DMA), the outputs are bound to host
    /// memory (pinned on CUDA) and copied out once.
    /// </summary>
    public InferenceOutput Run(InputBuffer input, int batch, int size)
    {
        var shape = new long[] { batch, 3, size, size };
        long length = (long)batch * 3 * size * size;
        if (batch < 1 || size < 1 || length > input.Capacity)
        {
            throw new ArgumentException($"A batch of {batch} images of {size}x{size} does not fit the {input.Capacity} input values.", nameof(input));
        }
        using var results = Guarded(() => RunBound(input, shape, length));
        return Read(results, batch);
    }

    private IDisposableReadOnlyCollection<OrtValue> RunBound(InputBuffer input, long[] shape, long length)
    {
        using var value = input.Bind(shape, length);
        using var binding = _session.CreateIoBinding();
        binding.BindInput(Head.InputName, value);
        foreach (var name in _outputs)
        {
            binding.BindOutputToDevice(name, _outputMemory);
        }
        _session.RunWithBinding(_runOptions, binding);
        return binding.GetOutputValues();
    }

    /// <summary>Runs <paramref name="run"/> under the batch watchdog; ONNX Runtime's errors become <see cref="ModelException"/>s that say what happened.</summary>
    private IDisposableReadOnlyCollection<OrtValue> Guarded(Func<IDisposableReadOnlyCollection<OrtValue>> run)
    {
        IDisposableReadOnlyCollection<OrtValue> results;
        bool timedOut = false;
        using (var watchdog = new Timer(_ => { timedOut = true; _runOptions.Terminate = true; }, null, BatchTimeout, Timeout.InfiniteTimeSpan))
        {
            try
            {
                results = run();
            }
            catch (OnnxRuntimeException ex)
            {
                if (timedOut)
                {
                    throw new ModelException(TimeoutMessage, ex);
                }
                throw Failure(OrtMessages.Clean(ex.Message), ex);
            }
        }
        if (timedOut)
        {
            results.Dispose();
            throw new ModelException(TimeoutMessage);
        }
        return results;
    }

    /// <summary>
    /// What a failed batch tells the user. An allocation failure (the CPU arena's cap, or the GPU's memory) is marked
    /// <see cref="ModelException.OutOfMemory"/>, so that automatic sizing can try a smaller batch.
    /// </summary>
    private ModelException Failure(string message, Exception inner)
    {
        bool outOfMemory = OutOfMemoryMarkers.Any(m => message.Contains(m, StringComparison.OrdinalIgnoreCase));
        if (!outOfMemory && !message.Contains("memory", StringComparison.OrdinalIgnoreCase) && !message.Contains("alloc", StringComparison.OrdinalIgnoreCase))
        {
            return new ModelException($"Inference failed: {message}", inner);
        }
        var limit = Provider.Provider == "CUDA" ? $"CUDA device {_cudaDevice} has" : $"a model may use ({Limits.ArenaBytes >> 20} MB)";
        return new ModelException($"Inference needs more memory than {limit}: {message}", inner) { OutOfMemory = outOfMemory };
    }

    /// <summary>How ONNX Runtime's CPU arena and CUDA allocators word a failed allocation.</summary>
    private static readonly string[] OutOfMemoryMarkers = ["out of memory", "Failed to allocate", "BFCArena", "bad_alloc", "Available memory of"];

    private InferenceOutput Read(IDisposableReadOnlyCollection<OrtValue> results, int batch)
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

    /// <summary>A batch of <paramref name="size"/> zero images, for sizing the batch (serialised with the other callers of the sizer).</summary>
    private void Probe(int batch, int size)
    {
        var input = Inputs.Rent(batch * 3 * size * size);
        try
        {
            input.Span[..(batch * 3 * size * size)].Clear();
            Run(input, batch, size);
        }
        finally
        {
            Inputs.Return(input);
        }
    }

    /// <summary>The input, logits and feature map of one image, bytes: the least one more image of a batch takes.</summary>
    private long BytesPerImage(int inputSize)
    {
        long features = Head.Channels * (long)Math.Max(1, Head.FeatureShape[2]) * Math.Max(1, Head.FeatureShape[3]);
        return sizeof(float) * (3L * inputSize * inputSize + Head.Classes + features);
    }

    public void Dispose()
    {
        Inputs.Dispose();
        if (!ReferenceEquals(_outputMemory, OrtMemoryInfo.DefaultInstance))
        {
            _outputMemory.Dispose();
        }
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
