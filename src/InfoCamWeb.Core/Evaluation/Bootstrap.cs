using InfoCamWeb.Core.Localization;

namespace InfoCamWeb.Core.Evaluation;

public enum RankingMetric
{
    Top1Loc,
    GtKnownLoc,
    MaxBoxAcc,
    MaxBoxAccV2,
    Top1Cls,

    /// <summary>PxAP, for mask datasets.</summary>
    Pxap,
}

/// <summary>
/// Percentile bootstrap over images: resample the images of a run with replacement, recompute the metric exactly as
/// <see cref="MetricsAccumulator"/> does (MaxBoxAcc takes its maximum over thresholds inside every resample), and
/// report the 2.5 % and 97.5 % quantiles. Seeded, so the same run always gets the same interval.
/// </summary>
public static class Bootstrap
{
    /// <param name="multiIoUs">How many IoUs the run's MaxBoxAccV2 list has (the hit bits it set).</param>
    public static (double Low, double High) Interval(IReadOnlyList<ImageOutcome> images, int method, RankingMetric metric, int resamples = 1000, int seed = 12345, int multiIoUs = 3)
    {
        int n = images.Count;
        if (n == 0) return (0, 0);
        var rng = new Random(seed);
        var counts = new int[n];
        var values = new double[resamples];
        int thresholds = method >= 0 && images[0].Methods.Length > method ? images[0].Methods[method].Hits.Length : 0;
        var acc = new long[1 + multiIoUs, Math.Max(1, thresholds)];
        for (int r = 0; r < resamples; r++)
        {
            Array.Clear(counts);
            for (int k = 0; k < n; k++) counts[rng.Next(n)]++;
            values[r] = Statistic(images, method, metric, counts, acc, thresholds);
        }
        Array.Sort(values);
        return (Quantile(values, 0.025), Quantile(values, 0.975));
    }

    /// <summary>The metric itself (all counts 1), for checks.</summary>
    public static double PointEstimate(IReadOnlyList<ImageOutcome> images, int method, RankingMetric metric, int multiIoUs = 3)
    {
        int thresholds = method >= 0 && images.Count > 0 ? images[0].Methods[method].Hits.Length : 0;
        return Statistic(images, method, metric, Enumerable.Repeat(1, images.Count).ToArray(), new long[1 + multiIoUs, Math.Max(1, thresholds)], thresholds);
    }

    internal static double Statistic(IReadOnlyList<ImageOutcome> images, int method, RankingMetric metric, int[] counts, long[,] acc, int thresholds)
    {
        int n = images.Count;
        switch (metric)
        {
            case RankingMetric.Top1Cls:
            case RankingMetric.Top1Loc:
            case RankingMetric.GtKnownLoc:
            {
                long hits = 0;
                for (int i = 0; i < n; i++)
                {
                    if (counts[i] != 0 && Hit(images[i], method, metric)) hits += counts[i];
                }
                return 100.0 * hits / n;
            }
            case RankingMetric.Pxap:
                return PxapOf(images, method, counts);
            default:
            {
                Array.Clear(acc);
                for (int i = 0; i < n; i++)
                {
                    int c = counts[i];
                    if (c == 0) continue;
                    var h = images[i].Methods[method].Hits;
                    for (int t = 0; t < thresholds; t++)
                    {
                        byte f = h[t];
                        if ((f & HitFlags.Largest50) != 0) acc[0, t] += c;
                        for (int row = 1; row < acc.GetLength(0); row++)
                        {
                            if ((f & HitFlags.Any(row - 1)) != 0) acc[row, t] += c;
                        }
                    }
                }
                double Max(int row)
                {
                    long best = 0;
                    for (int t = 0; t < thresholds; t++) best = Math.Max(best, acc[row, t]);
                    return 100.0 * best / n;
                }
                if (metric == RankingMetric.MaxBoxAcc) return Max(0);
                double sum = 0;
                for (int row = 1; row < acc.GetLength(0); row++) sum += Max(row);
                return sum / (acc.GetLength(0) - 1);
            }
        }
    }

    /// <summary>An image's hit for Top-1 Cls, GT-known Loc (IoU &gt;= 0.5 at the fixed threshold) or Top-1 Loc (both).</summary>
    internal static bool Hit(ImageOutcome o, int method, RankingMetric metric)
    {
        bool correct = o.PredictedClass == o.TrueClass;
        return metric switch
        {
            RankingMetric.Top1Cls => correct,
            RankingMetric.GtKnownLoc => o.Methods[method].FixedIoU >= 0.5,
            _ => correct && o.Methods[method].FixedIoU >= 0.5,
        };
    }

    /// <summary>PxAP of the resample: each image's histograms weighted by how often it was drawn (0 without mask outcomes).</summary>
    private static double PxapOf(IReadOnlyList<ImageOutcome> images, int method, int[] counts)
    {
        long[]? obj = null, bg = null;
        for (int i = 0; i < images.Count; i++)
        {
            int c = counts[i];
            var mo = images[i].Methods[method];
            if (c == 0 || mo.ObjectHistogram is not { } o || mo.BackgroundHistogram is not { } b) continue;
            obj ??= new long[o.Length];
            bg ??= new long[b.Length];
            for (int k = 0; k < o.Length; k++)
            {
                obj[k] += (long)c * o[k];
                bg[k] += (long)c * b[k];
            }
        }
        return obj is null ? 0 : PixelPrecision.AveragePrecision(obj, bg!) ?? 0;
    }

    internal static double Quantile(double[] sorted, double q)
    {
        double pos = q * (sorted.Length - 1);
        int lo = (int)Math.Floor(pos), hi = (int)Math.Ceiling(pos);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
    }
}
