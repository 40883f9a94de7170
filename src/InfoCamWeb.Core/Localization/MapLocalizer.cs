using InfoCamWeb.Core.Diagnostics;

namespace InfoCamWeb.Core.Localization;

/// <summary>
/// What one score map gives for one image: at every threshold of the sweep, hit flags (<see cref="HitFlags"/>), and the
/// largest box at the fixed threshold with its IoU; and the map-only scores (<see cref="PointingGame"/>).
/// </summary>
public sealed record MapOutcome(byte[] Hits, Box FixedBox, double FixedIoU)
{
    /// <summary>The map's maximum lies on (or within the tolerance of) a ground-truth box.</summary>
    public bool PointingHit { get; init; }

    /// <summary>Share of the normalised map's energy inside the ground-truth boxes, in [0, 1]; NaN for outcomes stored before it was kept.</summary>
    public double EnergyShare { get; init; }

    /// <summary>For mask ground truth: the normalised map's histogram over object pixels (<see cref="PixelPrecision"/>); null for boxes.</summary>
    public int[]? ObjectHistogram { get; init; }

    /// <summary>For mask ground truth: the histogram over background pixels (ignored pixels left out); null for boxes.</summary>
    public int[]? BackgroundHistogram { get; init; }
}

/// <summary>
/// Bits of <see cref="MapOutcome.Hits"/>: bit 0, the largest box reaches IoU 0.5; bit 1 + i, some box reaches the i-th
/// IoU of the run's MaxBoxAccV2 list (at most <see cref="MaxIoUs"/>; the default 30/50/70 gives bits 1, 2, 3, as stored
/// before the list was configurable).
/// </summary>
public static class HitFlags
{
    public const byte Largest50 = 1;

    public const int MaxIoUs = 7;

    public static byte Any(int iouIndex) => (byte)(2 << iouIndex);
}

/// <summary>
/// Score map at feature resolution -> bicubic upsampling to S x S -> min-max normalisation -> 8-bit quantisation ->
/// boxes at every threshold of the sweep and at the fixed threshold (docs/wsol-protocol.md, "From score map to boxes").
/// One instance per thread; buffers are reused.
/// </summary>
public sealed class MapLocalizer
{
    private readonly int _size;
    private readonly double[] _thresholds;
    private readonly double[] _thresholdsWithFixed;
    private readonly double[] _upsampled;
    private readonly byte[] _quantised;
    private readonly ContourSweep _sweep;
    private readonly SweepResult _result = new();
    private readonly double[] _multiIoUs;

    /// <param name="multiIoUs">MaxBoxAccV2's IoU list as fractions (0.3, 0.5, 0.7 by default), at most <see cref="HitFlags.MaxIoUs"/>.</param>
    public MapLocalizer(int size, IReadOnlyList<double> thresholds, double fixedThreshold, IReadOnlyList<double>? multiIoUs = null)
    {
        _multiIoUs = [.. multiIoUs ?? [0.3, 0.5, 0.7]];
        if (_multiIoUs.Length is 0 or > HitFlags.MaxIoUs) throw new ArgumentException($"1 to {HitFlags.MaxIoUs} IoUs are needed.", nameof(multiIoUs));
        _size = size;
        _thresholds = [.. thresholds];
        _thresholdsWithFixed = [.. thresholds, fixedThreshold];
        ThresholdCount = thresholds.Count;
        _upsampled = new double[size * size];
        _quantised = new byte[size * size];
        _sweep = new ContourSweep(size);
    }

    public int ThresholdCount { get; }

    /// <summary>CPU nanoseconds (<see cref="CpuClock"/>) this instance spent upsampling (with normalisation and quantisation), sweeping, and scoring.</summary>
    public (long Upsampling, long Sweep, long Metrics) CpuNanoseconds => (_upsamplingNs, _sweepNs, _metricsNs);

    private long _upsamplingNs, _sweepNs, _metricsNs;

    /// <summary>The last quantised map (S x S), for heatmap rendering.</summary>
    public ReadOnlySpan<byte> Quantised => _quantised;

    /// <param name="mask">Mask ground truth in the S x S frame (<c>MaskGroundTruth.Pixels</c>) for PxAP; null for box datasets.</param>
    public MapOutcome Localize(ReadOnlySpan<double> map, int height, int width, ReadOnlySpan<Box> truth, byte[]? mask = null)
    {
        long start = CpuClock.Now();
        CubicUpsampler.Resize(map, height, width, _upsampled, _size, _size);
        var stats = MapStats.Of(_upsampled);
        byte max = ScoreMaps.NormalizeAndQuantize(_upsampled, stats, _quantised);
        var grid = ThresholdGrid.Create(_thresholdsWithFixed, max);
        long upsampled = CpuClock.Now();
        _sweep.Run(_quantised, grid.Levels, _result);
        long swept = CpuClock.Now();
        _upsamplingNs += upsampled - start;
        _sweepNs += swept - upsampled;
        var outcome = Score(grid, stats, truth, mask);
        _metricsNs += CpuClock.Now() - swept;
        return outcome;
    }

    private MapOutcome Score(ThresholdGrid grid, in MapStats stats, ReadOnlySpan<Box> truth, byte[]? mask)
    {

        int levels = grid.Levels.Length;
        Span<byte> byLevel = stackalloc byte[levels];
        for (int li = 0; li < levels; li++)
        {
            double largest = _result.Largest(li).BestIoU(truth);
            double any = _result.BestIoUAll(li, truth);
            byte flags = largest >= 0.5 ? HitFlags.Largest50 : (byte)0;
            for (int i = 0; i < _multiIoUs.Length; i++)
            {
                if (any >= _multiIoUs[i]) flags |= HitFlags.Any(i);
            }
            byLevel[li] = flags;
        }
        var hits = new byte[ThresholdCount];
        for (int k = 0; k < ThresholdCount; k++)
        {
            hits[k] = byLevel[grid.LevelIndexOf(k)];
        }
        var fixedBox = _result.Largest(grid.LevelIndexOf(ThresholdCount));
        var (objectHist, backgroundHist) = mask is null ? (null, null) : PixelPrecision.Histograms(_upsampled, stats, mask, _thresholds);
        return new MapOutcome(hits, fixedBox, fixedBox.BestIoU(truth))
        {
            PointingHit = PointingGame.Hit(stats, _size, truth),
            EnergyShare = PointingGame.EnergyShare(_upsampled, stats, _size, truth),
            ObjectHistogram = objectHist,
            BackgroundHistogram = backgroundHist,
        };
    }
}
