using System.Diagnostics;
using System.Threading.Channels;
using InfoCamWeb.Core.Cams;
using InfoCamWeb.Core.Datasets;
using InfoCamWeb.Core.Imaging;
using InfoCamWeb.Core.Inference;
using InfoCamWeb.Core.Localization;
using InfoCamWeb.Core.Models;

namespace InfoCamWeb.Core.Evaluation;

/// <summary>A run that cannot proceed, with a message for the user (what and where).</summary>
public sealed class EvaluationException(string message, Exception? inner = null) : Exception(message, inner);

public sealed record EvaluationProgress(int Done, int Total, double ImagesPerSecond, TimeSpan Elapsed, TimeSpan? Eta, string Provider);

/// <summary>
/// Runs a model over a dataset split and scores CAM, infoCAM and infoCAM+. Three stages overlap: decoding and
/// preprocessing of the next batch, inference of the current one, and localization of the previous one. Images are
/// streamed; only a few batches are in memory at once.
/// </summary>
public sealed partial class Evaluator
{
    private readonly LoadedModel _model;
    private readonly Dataset _dataset;
    private readonly EvaluationSettings _settings;
    private readonly ImageDecoder _decoder;
    private readonly Preprocessing _pre;
    private readonly double[] _thresholds;
    private readonly double[]? _logPriors;
    private readonly Lock _scoreCamPasses = new();

    public Evaluator(LoadedModel model, Dataset dataset, EvaluationSettings settings, ImageDecoder? decoder = null)
    {
        settings.Validate();
        _model = model;
        _dataset = dataset;
        _settings = settings;
        _decoder = decoder ?? new ImageDecoder();
        if (ClassCounts.Refusal(model.Head.Classes, dataset) is { } refusal)
        {
            throw new EvaluationException(refusal);
        }
        _pre = settings.Preprocessing ?? Preprocessing.ImageNet(model.Head.FixedInputSize ?? 224);
        if (model.Head.FixedInputSize is int fixedSize && fixedSize != _pre.InputSize)
        {
            throw new EvaluationException($"The model's input is fixed at {fixedSize}x{fixedSize}; preprocessing to {_pre.InputSize} cannot be used.");
        }
        if (dataset.HasMasks && settings.Protocol != EvaluationProtocol.Resize224)
        {
            throw new EvaluationException("Mask datasets (PxAP) are evaluated with the resize224 protocol, as wsolevaluation does; resize256crop224 would crop the masks.");
        }
        _thresholds = ThresholdGrid.Thresholds(settings.ThresholdStep);
        var priors = dataset.TrainPriors(model.Head.Classes);
        _logPriors = priors?.Select(p => Math.Log(p)).ToArray();
        Images = settings.ImagesOf(dataset);
        if (Images.Count == 0)
        {
            throw new EvaluationException($"The {settings.Split.ToString().ToLowerInvariant()} split of the dataset has no images{(settings.Subset is { IsWhole: false } s ? $" in {s}" : "")}.");
        }
    }

    public IReadOnlyList<ImageRecord> Images { get; }

    public Preprocessing Preprocessing => _pre;

    public double[] Thresholds => _thresholds;

    /// <summary>Degree of parallelism of decoding and localization; all cores by default (<c>infocam bench --cores</c> measures fewer).</summary>
    public int Parallelism { get; init; } = Environment.ProcessorCount;

    /// <summary>
    /// How many batches are localized at once: by default one when ONNX Runtime's threads share the CPU cores, two when
    /// inference runs elsewhere (CUDA), so that the cores never wait for a batch's last images. Set by tests only.
    /// </summary>
    internal int? Overlap
    {
        get => _overlap;
        init => _overlap = value is null or >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(Overlap), value, "At least one batch is localized at a time.");
    }

    private readonly int? _overlap;

    /// <summary>Runs the evaluation. <paramref name="completed"/> are outcomes saved by an earlier, interrupted run: they are counted, not recomputed.</summary>
    public Task<EvaluationResult> RunAsync(
        IProgress<EvaluationProgress>? progress = null,
        Action<ImageOutcome>? onImage = null,
        IReadOnlyCollection<ImageOutcome>? completed = null,
        CancellationToken cancellationToken = default) =>
        RunAsync(new ImageRange(0, Images.Count), progress, onImage, completed, null, cancellationToken);

    /// <summary>
    /// Evaluates the images of <paramref name="range"/> (a shard of the split): the result counts only them. Outcomes in
    /// <paramref name="completed"/> are counted, not recomputed. A given <paramref name="engine"/> is used and left open
    /// (a worker keeps one across the shards of a run); without one, the evaluation makes and disposes its own.
    /// </summary>
    public async Task<EvaluationResult> RunAsync(
        ImageRange range,
        IProgress<EvaluationProgress>? progress,
        Action<ImageOutcome>? onImage,
        IReadOnlyCollection<ImageOutcome>? completed,
        InferenceEngine? engine,
        CancellationToken cancellationToken = default)
    {
        CheckRange(range);
        var total = Stopwatch.StartNew();
        var acc = NewAccumulator();
        var done = new HashSet<int>();
        foreach (var o in completed ?? [])
        {
            if (range.Contains(o.Index) && done.Add(o.Index))
            {
                acc.Add(o);
            }
        }
        var todo = Enumerable.Range(range.Start, range.Length).Where(i => !done.Contains(i)).ToArray();
        using var ownEngine = engine is null ? NewEngine() : null;
        var run = engine ?? ownEngine!;
        using var localization = new LocalizationStage(this, run, range.Length - done.Count, progress, run.Provider.Provider, done.Count);
        run.ClearStop(); // an evaluation stopped earlier on this session does not stop this one
        var batch = run.BatchFor(_settings.BatchSize, _pre.InputSize);
        var times = await PipelineAsync(todo, batch.Size, run.Inputs, b => Infer(run, b),
            (item, ct) => localization.Consume(item, acc, onImage, ct), run.Terminate, Overlap ?? (run.Provider.InferenceOnCpu ? 1 : 2), cancellationToken).ConfigureAwait(false);
        return Result(acc, times.Skipped, localization.Seconds(total.Elapsed.TotalSeconds, times), run.Provider.ToString(), batch);
    }

    /// <summary>
    /// The first half of <c>infocam bench --post-only</c>: decodes the images of <paramref name="range"/> and runs the
    /// model on them, keeping every batch's logits and feature maps in memory for <see cref="ReplayAsync"/>.
    /// </summary>
    private async Task<InferenceRecording> RecordAsync(ImageRange range, InferenceEngine? engine, CancellationToken cancellationToken)
    {
        CheckRange(range);
        if (_settings.Methods.Contains(CamMethod.ScoreCam))
        {
            throw new EvaluationException("Score-CAM runs the model for every map, so its time cannot be separated from inference: leave it out of a post-only benchmark.");
        }
        var total = Stopwatch.StartNew();
        using var ownEngine = engine is null ? NewEngine() : null;
        var run = engine ?? ownEngine!;
        var batches = new List<(int[] Indices, InferenceOutput Output)>();
        run.ClearStop();
        int batchSize = run.BatchFor(_settings.BatchSize, _pre.InputSize).Size;
        var times = await PipelineAsync(Enumerable.Range(range.Start, range.Length).ToArray(), batchSize, run.Inputs,
            batch => Infer(run, batch), (item, _) => () => batches.Add((item.Batch.Indices, item.Output)), run.Terminate, 1, cancellationToken).ConfigureAwait(false);
        return new InferenceRecording(range, batches, batchSize, run.Provider.ToString(), new StageSeconds(total.Elapsed.TotalSeconds, times.Decode, times.Preprocess, times.Inference, 0));
    }

    /// <summary>
    /// The second half of <c>infocam bench --post-only</c>: everything an evaluation does except inference (decoding,
    /// preprocessing, maps, upsampling, the sweep, metrics), with the model's outputs taken from
    /// <paramref name="recording"/>, counted into <paramref name="acc"/>. Returns the pass's stage seconds.
    /// </summary>
    private async Task<(StageSeconds Seconds, List<string> Skipped, double ProcessCpu)> ReplayAsync(InferenceRecording recording, MetricsAccumulator acc, CancellationToken cancellationToken)
    {
        var cpu = Environment.CpuUsage.TotalTime;
        var total = Stopwatch.StartNew();
        using var localization = new LocalizationStage(this, null, recording.Range.Length, null, "", 0);
        int next = 0;
        var times = await PipelineAsync(Enumerable.Range(recording.Range.Start, recording.Range.Length).ToArray(), recording.BatchSize,
            ManagedInputPool.Shared, batch => recording.Take(next++, batch.Indices), (item, ct) => localization.Consume(item, acc, null, ct), () => { }, 2, cancellationToken).ConfigureAwait(false);
        return (localization.Seconds(total.Elapsed.TotalSeconds, times) with { Inference = 0 }, times.Skipped, (Environment.CpuUsage.TotalTime - cpu).TotalSeconds);
    }

    /// <summary>
    /// <c>infocam bench --post-only</c>: the split in chunks whose model outputs fit <paramref name="memoryBudget"/> bytes;
    /// each chunk is run through the model once (<see cref="RecordAsync"/>), then timed without inference. The result
    /// equals <see cref="RunAsync(IProgress{EvaluationProgress}?, Action{ImageOutcome}?, IReadOnlyCollection{ImageOutcome}?, CancellationToken)"/>'s
    /// but for its seconds, which are the post-processing passes' alone.
    /// </summary>
    /// <param name="limit">Only the first images (a warm-up pass); the whole split by default.</param>
    public async Task<PostOnlyBench> BenchPostOnlyAsync(InferenceEngine engine, long memoryBudget = 256L << 20, int? limit = null, CancellationToken cancellationToken = default)
    {
        var acc = NewAccumulator();
        var skipped = new List<string>();
        StageSeconds post = new(0, 0, 0, 0, 0) { LocalizationStages = LocalizationSeconds.Zero }, recorded = new(0, 0, 0, 0, 0);
        double processCpu = 0;
        var choice = engine.BatchFor(_settings.BatchSize, _pre.InputSize);
        int batch = choice.Size, chunk = 4 * batch, end = Math.Min(limit ?? Images.Count, Images.Count);
        for (int start = 0; start < end; )
        {
            var range = new ImageRange(start, Math.Min(start + chunk, end));
            start = range.End;
            var pass = await BenchChunkAsync(range, engine, acc, cancellationToken).ConfigureAwait(false);
            skipped.AddRange(pass.Skipped);
            post = post.Plus(pass.Post);
            recorded = recorded.Plus(pass.Recorded);
            processCpu += pass.ProcessCpu;
            if (pass.BytesPerImage > 0)
            {
                chunk = (int)Math.Clamp(memoryBudget / pass.BytesPerImage / batch * batch, batch, int.MaxValue / 2);
            }
            // The chunk's recording is now up to memoryBudget bytes of large-object garbage, which only a full collection
            // frees: collected here, between the timed passes, so that chunks do not pile up in memory.
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        }
        var result = Result(acc, skipped, post, engine.Provider.ToString(), choice);
        return new PostOnlyBench(result, recorded, Parallelism) { ProcessCpuSeconds = processCpu };
    }

    /// <param name="ProcessCpu">CPU seconds of the whole process during the replay (every thread: stages, pool, GC, JIT).</param>
    private sealed record ChunkPass(StageSeconds Post, StageSeconds Recorded, List<string> Skipped, long BytesPerImage, double ProcessCpu);

    /// <summary>One chunk of the post-only benchmark: recorded, replayed into <paramref name="acc"/>, and let go (the recording does not outlive this call).</summary>
    private async Task<ChunkPass> BenchChunkAsync(ImageRange range, InferenceEngine engine, MetricsAccumulator acc, CancellationToken cancellationToken)
    {
        var recording = await RecordAsync(range, engine, cancellationToken).ConfigureAwait(false);
        var (seconds, skipped, processCpu) = await ReplayAsync(recording, acc, cancellationToken).ConfigureAwait(false);
        return new ChunkPass(seconds, recording.Seconds, skipped, recording.Images == 0 ? 0 : Math.Max(1, recording.Bytes / recording.Images), processCpu);
    }

    private void CheckRange(ImageRange range)
    {
        if (range.Start < 0 || range.End > Images.Count || range.Start > range.End)
        {
            throw new EvaluationException($"Images {range} are outside the split's {Images.Count} images.");
        }
    }

    private InferenceEngine NewEngine() => new(_model, _settings.Provider, cudaDevice: _settings.CudaDevice, allowTf32: _settings.AllowTf32);

    private InferenceOutput Infer(InferenceEngine engine, Prepared batch)
    {
        var output = engine.Run(batch.Tensor, batch.Indices.Length, _pre.InputSize);
        if (output.Classes != _model.Head.Classes)
        {
            throw new EvaluationException($"The model produced {output.Classes} logits per image; its classifier has {_model.Head.Classes} outputs.");
        }
        return output;
    }

    /// <summary>
    /// The result of saved outcomes, without inference: what the run's last shard computes from every shard's outcomes
    /// (in split order, which makes it equal, bit for bit, to one evaluation of the whole split).
    /// </summary>
    /// <param name="batch">The batch the outcomes were computed with, when one run knows it (shards on several workers do not).</param>
    public EvaluationResult Summarize(IEnumerable<ImageOutcome> outcomes, IReadOnlyList<string> skipped, StageSeconds seconds, string provider, BatchInfo? batch = null)
    {
        var acc = NewAccumulator();
        foreach (var o in outcomes)
        {
            acc.Add(o);
        }
        return Result(acc, skipped, seconds, provider, null) with { Batch = batch };
    }

    private MetricsAccumulator NewAccumulator() => new(_settings.Methods, _thresholds, _model.Head.Classes, _settings.MultiIoUs);

    private EvaluationResult Result(MetricsAccumulator acc, IReadOnlyList<string> skipped, StageSeconds seconds, string provider, BatchChoice? batch) => new()
    {
        Batch = batch is null ? null : new BatchInfo(batch.Size, batch.How),
        Model = new ModelInfo(_model.Path, _model.Sha256, _model.Head.FeatureTensor, _model.Head.Classes, _pre.InputSize, provider, _model.Head.Pattern),
        Dataset = new DatasetInfo(_dataset.Root, _settings.Split.ToString().ToLowerInvariant(), Images.Count, _dataset.ClassCount) { ClassesUsed = Images.Select(i => i.ClassIndex).Distinct().Count(), GroundTruth = _dataset.HasMasks ? "masks" : null },
        Settings = new SettingsInfo(_settings.Protocol.Key(), _settings.CamThreshold, _settings.ThresholdStep, _settings.Window) { MultiIoUs = [.. _settings.MultiIoUs] },
        Classification = acc.Classification(_model.Head.Classes, _logPriors is not null),
        Methods = acc.Methods(_dataset.LabelOf),
        Images = (int)acc.Count,
        SkippedImages = skipped.ToList(),
        Seconds = seconds,
    };

    /// <summary>
    /// Score-CAM of image <paramref name="i"/> of the batch: its masked copies run through the same session, one batch
    /// at a time across the localization threads (each is a full batch of the run; in parallel they would multiply the
    /// session's memory).
    /// </summary>
    private double[] ScoreCamMap(Inferred item, int i, int target, InferenceEngine engine)
    {
        int size = _pre.InputSize, length = 3 * size * size;
        var image = item.Batch.Tensor.Span.Slice(i * length, length).ToArray();
        var output = item.Output;
        return ScoreCam.Compute(image, size, output.FeaturesOf(i), output.Channels, output.Height, output.Width, target,
            _settings.ScoreCamChannels, engine.BatchFor(_settings.BatchSize, size).Size, (input, n) =>
            {
                lock (_scoreCamPasses) return engine.Run(input, n, size).Logits;
            });
    }

    /// <summary>The five largest logits (ties to the lower class index) as softmax probabilities; max and sum as in the cross-entropy.</summary>
    internal static ClassScore[] TopClasses(ReadOnlySpan<float> logits, double max, double sum)
    {
        var top = new List<ClassScore>(6);
        for (int c = 0; c < logits.Length; c++)
        {
            int at = top.Count;
            while (at > 0 && logits[top[at - 1].Class] < logits[c]) at--;
            if (at >= 5) continue;
            top.Insert(at, new ClassScore(c, Math.Exp(logits[c] - max) / sum));
            if (top.Count > 5) top.RemoveAt(5);
        }
        return top.ToArray();
    }
}
