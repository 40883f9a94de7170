using InfoCamWeb.Core.Inference;

namespace InfoCamWeb.Core.Evaluation;

/// <summary>
/// The model's outputs for a range of a split, batch by batch, kept in memory by <c>Evaluator.RecordAsync</c> so that
/// <c>Evaluator.ReplayAsync</c> can time everything else an evaluation does (<see cref="Evaluator.BenchPostOnlyAsync"/>).
/// </summary>
internal sealed class InferenceRecording
{
    private readonly IReadOnlyList<(int[] Indices, InferenceOutput Output)> _batches;

    internal InferenceRecording(ImageRange range, IReadOnlyList<(int[] Indices, InferenceOutput Output)> batches, int batchSize, string provider, StageSeconds seconds)
    {
        Range = range;
        _batches = batches;
        Provider = provider;
        Seconds = seconds;
        BatchSize = batchSize;
    }

    public ImageRange Range { get; }

    /// <summary>The provider text of the engine that produced the outputs.</summary>
    public string Provider { get; }

    /// <summary>Wall time of the recording pass and the busy time of its stages (decode, preprocess, inference).</summary>
    public StageSeconds Seconds { get; }

    public int Images => _batches.Sum(b => b.Indices.Length);

    /// <summary>Bytes held: the logits and feature maps of every image.</summary>
    public long Bytes => _batches.Sum(b => 4L * (b.Output.Logits.Length + b.Output.Features.Length));

    /// <summary>Images per batch as the recording decoded them (the replay must decode the same batches).</summary>
    internal int BatchSize { get; }

    /// <summary>Batch number <paramref name="k"/>; the replay must have decoded the same images.</summary>
    internal InferenceOutput Take(int k, int[] indices)
    {
        if (k >= _batches.Count || !_batches[k].Indices.AsSpan().SequenceEqual(indices))
        {
            throw new InvalidOperationException("The replay decoded other images than the recording: batch sizes or skipped images differ.");
        }
        return _batches[k].Output;
    }
}

/// <summary>
/// What <c>infocam bench --post-only</c> measured: the result (its seconds are the post-processing passes': decode,
/// preprocess, localization and its stages, no inference), the inference passes' seconds, and the threads used.
/// </summary>
public sealed record PostOnlyBench(EvaluationResult Result, StageSeconds InferencePasses, int Parallelism)
{
    /// <summary>Images per second of everything but inference.</summary>
    public double PostImagesPerSecond => Result.Images / Math.Max(Result.Seconds.Total, 1e-9);

    /// <summary>Images per second of ONNX Runtime alone (its busy time in the inference passes).</summary>
    public double InferenceImagesPerSecond => Result.Images / Math.Max(InferencePasses.Inference, 1e-9);

    /// <summary>CPU seconds of the whole process during the post-processing passes (every thread, also the runtime's own).</summary>
    public double ProcessCpuSeconds { get; init; }

    /// <summary>
    /// How many cores the post-processing passes kept busy on average (process CPU seconds over wall seconds): with
    /// <see cref="Parallelism"/> cores, the rest was idle.
    /// </summary>
    public double BusyCores => ProcessCpuSeconds / Math.Max(Result.Seconds.Total, 1e-9);
}
