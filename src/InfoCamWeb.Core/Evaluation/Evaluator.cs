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
public sealed class Evaluator
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
        Images = dataset.Select(settings.Split);
        if (Images.Count == 0)
        {
            throw new EvaluationException($"The {settings.Split.ToString().ToLowerInvariant()} split of the dataset has no images.");
        }
    }

    public IReadOnlyList<ImageRecord> Images { get; }

    public Preprocessing Preprocessing => _pre;

    public double[] Thresholds => _thresholds;

    /// <summary>A decoded batch; <paramref name="Masks"/> holds each image's mask ground truth (null entries for box datasets).</summary>
    private sealed record Prepared(int[] Indices, float[] Tensor, Box[][] Truth, byte[]?[] Masks, double Decode, double Preprocess);

    private sealed record Inferred(Prepared Batch, InferenceOutput Output);

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
        if (range.Start < 0 || range.End > Images.Count || range.Start > range.End)
        {
            throw new EvaluationException($"Images {range} are outside the split's {Images.Count} images.");
        }
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
        var skipped = new List<string>();
        int size = _pre.InputSize;

        using var ownEngine = engine is null ? new InferenceEngine(_model, _settings.Provider, cudaDevice: _settings.CudaDevice, allowTf32: _settings.AllowTf32) : null;
        engine ??= ownEngine!;
        int batchSize = engine.MaxBatch(_settings.BatchSize);
        double decodeSec = 0, preSec = 0, inferSec = 0, locSec = 0;

        var prepared = Channel.CreateBounded<Prepared>(new BoundedChannelOptions(2) { SingleReader = true, SingleWriter = true });
        var inferred = Channel.CreateBounded<Inferred>(new BoundedChannelOptions(2) { SingleReader = true, SingleWriter = true });
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var ct = cts.Token;
        // Cancellation from outside stops a batch inside ONNX Runtime; the stages' own stop (below) leaves the engine usable.
        var registration = cancellationToken.Register(engine.Terminate);

        var decodeTask = Task.Run(async () =>
        {
            try
            {
                for (int start = 0; start < todo.Length; start += batchSize)
                {
                    ct.ThrowIfCancellationRequested();
                    var batch = Prepare(todo.AsSpan(start, Math.Min(batchSize, todo.Length - start)).ToArray(), size, skipped);
                    if (batch.Indices.Length > 0)
                    {
                        await prepared.Writer.WriteAsync(batch, ct).ConfigureAwait(false);
                    }
                }
                prepared.Writer.Complete();
            }
            catch (Exception ex)
            {
                prepared.Writer.Complete(ex);
            }
        }, ct);

        var inferTask = Task.Run(async () =>
        {
            try
            {
                await foreach (var batch in prepared.Reader.ReadAllAsync(ct).ConfigureAwait(false))
                {
                    var sw = Stopwatch.StartNew();
                    var output = engine.Run(batch.Tensor, batch.Indices.Length, size);
                    inferSec += sw.Elapsed.TotalSeconds;
                    if (output.Classes != _model.Head.Classes)
                    {
                        throw new EvaluationException($"The model produced {output.Classes} logits per image; its classifier has {_model.Head.Classes} outputs.");
                    }
                    await inferred.Writer.WriteAsync(new Inferred(batch, output), ct).ConfigureAwait(false);
                }
                inferred.Writer.Complete();
            }
            catch (Exception ex)
            {
                inferred.Writer.Complete(ex);
            }
        }, ct);

        using var localizers = new ThreadLocal<MapLocalizer>(() => new MapLocalizer(size, _thresholds, _settings.CamThreshold, _settings.MultiIoUs.Select(d => d / 100.0).ToArray()));
        int doneCount = done.Count;
        var runClock = Stopwatch.StartNew();
        int doneThisRun = 0;
        try
        {
            await foreach (var item in inferred.Reader.ReadAllAsync(ct).ConfigureAwait(false))
            {
                decodeSec += item.Batch.Decode;
                preSec += item.Batch.Preprocess;
                var sw = Stopwatch.StartNew();
                var outcomes = new ImageOutcome[item.Batch.Indices.Length];
                LocalizeBatch(item, outcomes, localizers, engine, ct);
                locSec += sw.Elapsed.TotalSeconds;
                foreach (var o in outcomes)
                {
                    acc.Add(o);
                    onImage?.Invoke(o);
                }
                doneCount += outcomes.Length;
                doneThisRun += outcomes.Length;
                if (progress is not null)
                {
                    double rate = doneThisRun / Math.Max(runClock.Elapsed.TotalSeconds, 1e-9);
                    int remaining = range.Length - doneCount - skipped.Count;
                    progress.Report(new EvaluationProgress(doneCount, range.Length, rate, total.Elapsed,
                        rate > 0 ? TimeSpan.FromSeconds(remaining / rate) : null, engine.Provider.Provider));
                }
            }
            await Task.WhenAll(decodeTask, inferTask).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        finally
        {
            registration.Dispose();
            cts.Cancel();
            try { await Task.WhenAll(decodeTask, inferTask).ConfigureAwait(false); } catch { /* reported above */ }
        }

        return Result(acc, skipped, new StageSeconds(total.Elapsed.TotalSeconds, decodeSec, preSec, inferSec, locSec), engine.Provider.ToString());
    }

    /// <summary>
    /// The result of saved outcomes, without inference: what the run's last shard computes from every shard's outcomes
    /// (in split order, which makes it equal, bit for bit, to one evaluation of the whole split).
    /// </summary>
    public EvaluationResult Summarize(IEnumerable<ImageOutcome> outcomes, IReadOnlyList<string> skipped, StageSeconds seconds, string provider)
    {
        var acc = NewAccumulator();
        foreach (var o in outcomes)
        {
            acc.Add(o);
        }
        return Result(acc, skipped, seconds, provider);
    }

    private MetricsAccumulator NewAccumulator() => new(_settings.Methods, _thresholds, _model.Head.Classes, _settings.MultiIoUs);

    private EvaluationResult Result(MetricsAccumulator acc, IReadOnlyList<string> skipped, StageSeconds seconds, string provider) => new()
    {
        Model = new ModelInfo(_model.Path, _model.Sha256, _model.Head.FeatureTensor, _model.Head.Classes, _pre.InputSize, provider, _model.Head.Pattern),
        Dataset = new DatasetInfo(_dataset.Root, _settings.Split.ToString().ToLowerInvariant(), Images.Count, _dataset.ClassCount) { ClassesUsed = _dataset.ClassesUsed(_settings.Split), GroundTruth = _dataset.HasMasks ? "masks" : null },
        Settings = new SettingsInfo(_settings.Protocol.Key(), _settings.CamThreshold, _settings.ThresholdStep, _settings.Window) { MultiIoUs = [.. _settings.MultiIoUs] },
        Classification = acc.Classification(_model.Head.Classes, _logPriors is not null),
        Methods = acc.Methods(_dataset.LabelOf),
        Images = (int)acc.Count,
        SkippedImages = skipped.ToList(),
        Seconds = seconds,
    };

    private Prepared Prepare(int[] indices, int size, List<string> skipped)
    {
        var tensor = new float[indices.Length * 3 * size * size];
        var truth = new List<Box[]>(indices.Length);
        var masks = new List<byte[]?>(indices.Length);
        var kept = new List<int>(indices.Length);
        double decode = 0, pre = 0;
        foreach (int index in indices)
        {
            var record = Images[index];
            var path = _dataset.ImagePath(record);
            var sw = Stopwatch.StartNew();
            RgbImage image;
            try
            {
                image = _decoder.Decode(path);
            }
            catch (ImageDecodeException ex)
            {
                var message = $"{record.Where}: '{record.RelativePath}' {ex.Message.Replace(path + ": ", "")}";
                if (_settings.SkipBadImages)
                {
                    lock (skipped) skipped.Add(message);
                    continue;
                }
                throw new EvaluationException(message, ex);
            }
            decode += sw.Elapsed.TotalSeconds;
            sw.Restart();
            if (record.Width is int w && record.Height is int h && (w != image.Width || h != image.Height))
            {
                throw new EvaluationException(
                    $"image {record.Id} ({record.RelativePath}): {record.SizeSource} gives {w}x{h} but the file is {image.Width}x{image.Height}.");
            }
            if (record.Width is null && record.OutsideBox(image.Width, image.Height) is { } outside)
            {
                throw new EvaluationException(outside.ToString());
            }
            var frame = Preprocessor.ToFrame(image, size, _settings.Protocol);
            Preprocessor.Normalize(frame, _pre, tensor.AsSpan(kept.Count * 3 * size * size, 3 * size * size));
            if (_dataset.HasMasks)
            {
                var mask = LoadMask(record, image, size);
                truth.Add(mask.InstanceBoxes);
                masks.Add(mask.Pixels);
            }
            else
            {
                truth.Add(record.Boxes.Select(b => Preprocessor.MapBox(b, image.Width, image.Height, size, _settings.Protocol)).ToArray());
                masks.Add(null);
            }
            kept.Add(index);
            pre += sw.Elapsed.TotalSeconds;
        }
        return new Prepared(kept.ToArray(), tensor, truth.ToArray(), masks.ToArray(), decode, pre);
    }

    /// <summary>The image's masks in the S x S frame; a bad mask stops the run with its file and line.</summary>
    private MaskGroundTruth LoadMask(ImageRecord record, RgbImage image, int size)
    {
        try
        {
            return MaskGroundTruth.Load(_dataset, record, image.Width, image.Height, size, _decoder);
        }
        catch (DatasetException ex)
        {
            throw new EvaluationException(ex.Message, ex);
        }
    }

    private ImageOutcome Localize(Inferred item, int i, MapLocalizer localizer, InferenceEngine engine)
    {
        int index = item.Batch.Indices[i];
        var truth = item.Batch.Truth[i];
        var output = item.Output;
        var record = Images[index];
        var logits = output.LogitsOf(i);
        var features = output.FeaturesOf(i);
        int y = record.ClassIndex;
        int pred = CamComputer.ArgMax(logits);
        int above = 0;
        double max = double.NegativeInfinity;
        for (int c = 0; c < logits.Length; c++)
        {
            if (logits[c] > logits[y]) above++;
            max = Math.Max(max, logits[c]);
        }
        double sum = 0;
        for (int c = 0; c < logits.Length; c++) sum += Math.Exp(logits[c] - max);
        double ce = max + Math.Log(sum) - logits[y];
        double pc = 0;
        if (_logPriors is not null)
        {
            double pmax = double.NegativeInfinity;
            for (int c = 0; c < logits.Length; c++)
                if (!double.IsNegativeInfinity(_logPriors[c])) pmax = Math.Max(pmax, logits[c] + _logPriors[c]);
            double psum = 0;
            for (int c = 0; c < logits.Length; c++)
                if (!double.IsNegativeInfinity(_logPriors[c])) psum += Math.Exp(logits[c] + _logPriors[c] - pmax);
            pc = logits[y] - (pmax + Math.Log(psum));
        }

        var classifier = _model.Head.Classifier;
        var results = new MapOutcome[_settings.Methods.Count];
        var maps = new RawScoreMap[results.Length];
        for (int m = 0; m < results.Length; m++)
        {
            var method = _settings.Methods[m];
            var map = method == CamMethod.ScoreCam
                ? ScoreCamMap(item, i, y, engine)
                : CamComputer.Compute(method, classifier, features, output.Height, output.Width, y, logits, _settings.Window);
            var (mh, mw) = CamComputer.MapSize(method, output.Height, output.Width, _settings.Window);
            results[m] = localizer.Localize(map, mh, mw, truth, item.Batch.Masks[i]);
            maps[m] = new RawScoreMap(mh, mw, Array.ConvertAll(map, v => (float)v));
        }
        return new ImageOutcome(index, record.Id, y, pred, above < 5, ce, pc, truth, results) { Maps = maps, TopClasses = TopClasses(logits, max, sum) };
    }

    /// <summary>
    /// The batch's images on all cores. A failing image (a Score-CAM pass that ONNX Runtime stops, say) surfaces as its
    /// own exception, and a cancelled run as a cancellation, not as Parallel.For's AggregateException.
    /// </summary>
    private void LocalizeBatch(Inferred item, ImageOutcome[] outcomes, ThreadLocal<MapLocalizer> localizers, InferenceEngine engine, CancellationToken ct)
    {
        try
        {
            Parallel.For(0, outcomes.Length, new ParallelOptions { CancellationToken = ct }, i =>
            {
                outcomes[i] = Localize(item, i, localizers.Value!, engine);
            });
        }
        catch (AggregateException ex)
        {
            ct.ThrowIfCancellationRequested();
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(ex.InnerExceptions[0]);
        }
    }

    /// <summary>
    /// Score-CAM of image <paramref name="i"/> of the batch: its masked copies run through the same session, one batch
    /// at a time across the localization threads (each is a full batch of the run; in parallel they would multiply the
    /// session's memory).
    /// </summary>
    private double[] ScoreCamMap(Inferred item, int i, int target, InferenceEngine engine)
    {
        int size = _pre.InputSize, length = 3 * size * size;
        var image = item.Batch.Tensor.AsSpan(i * length, length).ToArray();
        var output = item.Output;
        return ScoreCam.Compute(image, size, output.FeaturesOf(i), output.Channels, output.Height, output.Width, target,
            _settings.ScoreCamChannels, engine.MaxBatch(_settings.BatchSize), (input, n) =>
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
