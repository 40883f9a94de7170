using System.Diagnostics;
using System.Runtime.ExceptionServices;
using InfoCamWeb.Core.Cams;
using InfoCamWeb.Core.Diagnostics;
using InfoCamWeb.Core.Inference;
using InfoCamWeb.Core.Localization;

namespace InfoCamWeb.Core.Evaluation;

/// <summary>The last stage: score maps, boxes and metrics of each image, on all cores.</summary>
public sealed partial class Evaluator
{
    /// <summary>A thread's localizer and the CPU nanoseconds it spent computing maps.</summary>
    private sealed class LocalizerSlot(MapLocalizer localizer)
    {
        public MapLocalizer Localizer { get; } = localizer;

        public long MapNanoseconds;
    }

    /// <summary>
    /// Localizes each batch as it arrives, counts its outcomes in split order, reports progress, and keeps the stage's
    /// wall time and its CPU time per sub-stage.
    /// </summary>
    private sealed class LocalizationStage(Evaluator evaluator, InferenceEngine? engine, int total, IProgress<EvaluationProgress>? progress, string provider, int alreadyDone)
        : IDisposable
    {
        private readonly ThreadLocal<LocalizerSlot> _slots = new(() => new LocalizerSlot(evaluator.NewLocalizer()), trackAllValues: true);
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private readonly Lock _busyLock = new();
        private int _active;
        private long _busySince;
        private double _wall;
        private long _metricNanoseconds;
        private int _done;
        private int _skipped;

        public void Dispose() => _slots.Dispose();

        /// <summary>
        /// Localizes the batch's images on all cores (batches may overlap) and returns what must then happen in split
        /// order: counting the outcomes, reporting them and the progress.
        /// </summary>
        public Action Consume(Inferred item, MetricsAccumulator acc, Action<ImageOutcome>? onImage, CancellationToken ct)
        {
            var outcomes = new ImageOutcome[item.Batch.Indices.Length];
            Busy(() => evaluator.LocalizeBatch(item, outcomes, _slots, engine, ct));
            return () => Busy(() => Count(item, outcomes, acc, onImage));
        }

        private void Count(Inferred item, ImageOutcome[] outcomes, MetricsAccumulator acc, Action<ImageOutcome>? onImage)
        {
            long start = CpuClock.Now();
            foreach (var o in outcomes)
            {
                acc.Add(o);
                onImage?.Invoke(o);
            }
            _metricNanoseconds += CpuClock.Now() - start;
            _done += outcomes.Length;
            _skipped += item.Batch.Skipped.Length;
            if (progress is not null)
            {
                double rate = _done / Math.Max(_clock.Elapsed.TotalSeconds, 1e-9);
                int doneCount = alreadyDone + _done;
                int remaining = total - _done - _skipped;
                progress.Report(new EvaluationProgress(doneCount, alreadyDone + total, rate, _clock.Elapsed,
                    rate > 0 ? TimeSpan.FromSeconds(remaining / rate) : null, provider));
            }
        }

        /// <summary>Runs <paramref name="work"/>, counting the stage's wall time while any of its work runs (overlapping work once).</summary>
        private void Busy(Action work)
        {
            lock (_busyLock)
            {
                if (_active++ == 0) _busySince = Stopwatch.GetTimestamp();
            }
            try
            {
                work();
            }
            finally
            {
                lock (_busyLock)
                {
                    if (--_active == 0) _wall += Stopwatch.GetElapsedTime(_busySince).TotalSeconds;
                }
            }
        }

        public StageSeconds Seconds(double total, PipelineTimes times)
        {
            long maps = 0, up = 0, sweep = 0, metrics = _metricNanoseconds;
            foreach (var slot in _slots.Values)
            {
                maps += slot.MapNanoseconds;
                var t = slot.Localizer.CpuNanoseconds;
                (up, sweep, metrics) = (up + t.Upsampling, sweep + t.Sweep, metrics + t.Metrics);
            }
            static double S(long nanoseconds) => nanoseconds / 1e9;
            return new StageSeconds(total, times.Decode, times.Preprocess, times.Inference, _wall)
            {
                LocalizationStages = new LocalizationSeconds(S(maps), S(up), S(sweep), S(metrics)),
            };
        }
    }

    private MapLocalizer NewLocalizer() =>
        new(_pre.InputSize, _thresholds, _settings.CamThreshold, _settings.MultiIoUs.Select(d => d / 100.0).ToArray());

    private ImageOutcome Localize(Inferred item, int i, LocalizerSlot slot, InferenceEngine? engine)
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
            long start = CpuClock.Now();
            var map = method == CamMethod.ScoreCam
                ? ScoreCamMap(item, i, y, engine ?? throw new InvalidOperationException("Score-CAM needs the inference engine."))
                : CamComputer.Compute(method, classifier, features, output.Height, output.Width, y, logits, _settings.Window);
            slot.MapNanoseconds += CpuClock.Now() - start;
            var (mh, mw) = CamComputer.MapSize(method, output.Height, output.Width, _settings.Window);
            results[m] = slot.Localizer.Localize(map, mh, mw, truth, item.Batch.Masks[i]);
            maps[m] = new RawScoreMap(mh, mw, Array.ConvertAll(map, v => (float)v));
        }
        return new ImageOutcome(index, record.Id, y, pred, above < 5, ce, pc, truth, results) { Maps = maps, TopClasses = TopClasses(logits, max, sum) };
    }

    /// <summary>
    /// The batch's images on all cores. A failing image (a Score-CAM pass that ONNX Runtime stops, say) surfaces as its
    /// own exception, and a cancelled run as a cancellation, not as Parallel.For's AggregateException.
    /// </summary>
    private void LocalizeBatch(Inferred item, ImageOutcome[] outcomes, ThreadLocal<LocalizerSlot> slots, InferenceEngine? engine, CancellationToken ct)
    {
        try
        {
            Parallel.For(0, outcomes.Length, new ParallelOptions { CancellationToken = ct, MaxDegreeOfParallelism = Parallelism }, i =>
            {
                outcomes[i] = Localize(item, i, slots.Value!, engine);
            });
        }
        catch (AggregateException ex)
        {
            ct.ThrowIfCancellationRequested();
            ExceptionDispatchInfo.Throw(ex.InnerExceptions[0]);
        }
    }
}
